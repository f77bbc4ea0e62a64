-- An example table to start from: rename or replace it in a new migration.
CREATE TABLE IF NOT EXISTS items (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
