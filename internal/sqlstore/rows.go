package sqlstore

import "database/sql"

// eachRow calls fn for every row of rows, closes rows, and returns the
// first error: fn's, the iteration's (rows.Err: a read that failed half-way
// must never pass for a short, complete result) or the close's. It is the
// one loop over rows in this package.
func eachRow(rows *sql.Rows, fn func() error) error {
	defer rows.Close()
	for rows.Next() {
		if err := fn(); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}
