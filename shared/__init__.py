"""Routeways' common code: settings, database, web plumbing, event contracts and the event bus."""
