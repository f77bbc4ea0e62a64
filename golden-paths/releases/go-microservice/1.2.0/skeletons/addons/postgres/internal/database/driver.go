package database

// The pgx driver registers itself with database/sql under the name "pgx". This is
// the package's only import of a third-party module: everything else builds, vets
// and tests with the standard library alone.
import _ "github.com/jackc/pgx/v5/stdlib"
