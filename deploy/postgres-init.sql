-- Run once by the postgres image, when it initialises an empty data volume
-- (mounted into /docker-entrypoint-initdb.d). Each service owns its own database: services
-- share no tables and talk only by events and HTTP. `routeways migrate` creates the tables.
--
-- Since PostgreSQL 15 the `public` schema belongs to the database owner, so owning each
-- database is all the role needs to run its migrations.

CREATE ROLE routeways WITH LOGIN PASSWORD 'routeways';

CREATE DATABASE profile OWNER routeways;
CREATE DATABASE catalogue OWNER routeways;
CREATE DATABASE recommender OWNER routeways;
CREATE DATABASE notifier OWNER routeways;
