package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
)

// KeyPrefix starts every API key, so that a key found in a log or a file is recognised.
const KeyPrefix = "rsk_"

// Key is an API key as the store keeps it: never the key itself.
type Key struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	Revoked time.Time `json:"revoked,omitzero"`
}

// CreateKey makes a new API key named name and gives back its record and the key, which is
// shown this once: only its hash is kept.
func (db *DB) CreateKey(ctx context.Context, name string) (Key, string, error) {
	if name == "" || len(name) > 100 {
		return Key{}, "", errors.New("key name: want 1 to 100 characters")
	}
	var b [32]byte
	rand.Read(b[:])
	secret := KeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	k := Key{ID: NewID(), Name: name, Created: time.UnixMilli(nowMS()).UTC()}
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return Key{}, "", err
	}
	defer tx.Rollback()
	ex := SQLExec{tx}
	if err := ex.Exec(ctx, `INSERT INTO rascore_api_key (id, name, hash, created_ms)
		VALUES ($1, $2, $3, $4)`, k.ID, k.Name, hashKey(secret), k.Created.UnixMilli()); err != nil {
		return Key{}, "", fmt.Errorf("create key: %w", err)
	}
	if err := Audit(ctx, ex, "cli", "key.create", "", k.ID); err != nil {
		return Key{}, "", err
	}
	return k, secret, tx.Commit()
}

// Keys lists every key, revoked ones too, oldest first.
func (db *DB) Keys(ctx context.Context) ([]Key, error) {
	rows, err := db.SQL.QueryContext(ctx,
		`SELECT id, name, created_ms, revoked_ms FROM rascore_api_key ORDER BY created_ms, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Key
	for rows.Next() {
		var k Key
		var created, revoked int64
		if err := rows.Scan(&k.ID, &k.Name, &created, &revoked); err != nil {
			return nil, err
		}
		k.Created = time.UnixMilli(created).UTC()
		if revoked != 0 {
			k.Revoked = time.UnixMilli(revoked).UTC()
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeKey revokes the key with the given id; it is refused from then on.
func (db *DB) RevokeKey(ctx context.Context, id string) error {
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE rascore_api_key SET revoked_ms = $1
		WHERE id = $2 AND revoked_ms = 0`, nowMS(), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("key %s: %w (or already revoked)", id, ErrNotFound)
	}
	if err := Audit(ctx, SQLExec{tx}, "cli", "key.revoke", "", id); err != nil {
		return err
	}
	return tx.Commit()
}

// CheckKey gives the id of the live key secret is, or ErrNotFound.
func (db *DB) CheckKey(ctx context.Context, secret string) (string, error) {
	var id string
	err := db.SQL.QueryRowContext(ctx, `SELECT id FROM rascore_api_key
		WHERE hash = $1 AND revoked_ms = 0`, hashKey(secret)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return id, err
}
