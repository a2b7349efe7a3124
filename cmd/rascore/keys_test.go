package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"rascore/store"
)

// TestKeys makes, lists and revokes a key: the key printed works until it is revoked, and the
// store holds its hash, never the key.
func TestKeys(t *testing.T) {
	dir := t.TempDir()
	stdout, _, err := runCLI(t, "keys", "create", "--name", "pacs", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSpace(stdout)
	if !strings.HasPrefix(key, store.KeyPrefix) || len(key) != len(store.KeyPrefix)+43 {
		t.Fatalf("key %q, want %s and 43 base64 characters", key, store.KeyPrefix)
	}

	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "rascore.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	id, err := db.CheckKey(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	var stored int
	db.SQL.QueryRowContext(ctx, `SELECT COUNT(*) FROM rascore_api_key WHERE hash = $1`,
		key).Scan(&stored)
	if stored != 0 {
		t.Error("the key itself is in the store")
	}

	stdout, _, err = runCLI(t, "keys", "list", "--data-dir", dir)
	if err != nil || !strings.Contains(stdout, id+"  pacs") || !strings.HasSuffix(
		strings.TrimSpace(stdout), "-") {
		t.Errorf("list: %v\n%s\nwant key %s named pacs, not revoked", err, stdout, id)
	}
	if _, _, err := runCLI(t, "keys", "revoke", id, "--data-dir", dir); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CheckKey(ctx, key); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoked key checks as %v, want not found", err)
	}
	if _, _, err := runCLI(t, "keys", "revoke", id, "--data-dir", dir); err == nil {
		t.Error("revoking twice: no error")
	}
	stdout, _, _ = runCLI(t, "keys", "list", "--data-dir", dir)
	if strings.HasSuffix(strings.TrimSpace(stdout), "-") {
		t.Errorf("list after revoke shows no revocation time:\n%s", stdout)
	}
}
