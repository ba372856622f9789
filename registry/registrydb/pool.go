package registrydb

import (
	"context"
	"database/sql"

	"gorm.io/gorm"
)

// pool is the SQLite handle gorm runs on. With gorm's PrepareStmt, a statement
// first met inside a transaction is prepared on that transaction and closed
// with it, and every later transaction prepares it again: a tenth of a
// registration's time, all of it under the write lock. pool's transactions
// prepare statements on the pool instead, so gorm keeps a statement that
// outlives the transaction, and each transaction runs it through
// sql.Tx.StmtContext, which prepares it once per connection and then reuses
// it. (PostgreSQL needs none of this: pgx caches prepared statements per
// connection by itself.)
type pool struct{ *sql.DB }

// BeginTx implements gorm.ConnPoolBeginner.
func (p pool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	tx, err := p.DB.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &poolTx{Tx: tx, db: p.DB}, nil
}

// GetDBConn implements gorm.GetDBConnector.
func (p pool) GetDBConn() (*sql.DB, error) { return p.DB, nil }

// poolTx is a transaction whose statements are prepared on the pool. gorm
// wants a pointer (it checks the transaction for nil by reflection).
type poolTx struct {
	*sql.Tx
	db *sql.DB
}

// PrepareContext prepares query on the pool, not on the transaction: the
// statement is gorm's to keep and close, and the transaction runs it through
// StmtContext.
func (t *poolTx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return t.db.PrepareContext(ctx, query)
}

var (
	_ gorm.ConnPoolBeginner = pool{}
	_ gorm.Tx               = (*poolTx)(nil)
)
