package accounts_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/alexedwards/argon2id"

	"github.com/planner-dev/planner/internal/accounts"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// cheap keeps the tests quick; the parameters travel inside each hash.
var cheap = argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

func TestAddAndAuthenticate(t *testing.T) {
	st := storetest.Open(t)
	svc := accounts.New(st, accounts.WithParams(cheap))
	ctx := t.Context()
	ana, err := svc.Add(ctx, "Ana@example.org", programme.RoleEditor, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	_, hash, err := st.UserCredentials(ctx, "ana@example.org")
	if err != nil || !strings.HasPrefix(hash, "$argon2id$") || strings.Contains(hash, "correct horse") {
		t.Fatalf("stored hash %q, %v; want an argon2id hash without the password", hash, err)
	}

	got, err := svc.Authenticate(ctx, "ANA@example.org", "correct horse battery")
	if err != nil || got.ID != ana.ID || got.Role != programme.RoleEditor {
		t.Fatalf("Authenticate=%+v, %v; want ana", got, err)
	}
	for _, c := range []struct{ email, password string }{
		{"ana@example.org", "wrong horse battery"},
		{"nobody@example.org", "correct horse battery"},
		{"not an address", "correct horse battery"},
	} {
		if _, err := svc.Authenticate(ctx, c.email, c.password); !errors.Is(err, accounts.ErrBadCredentials) {
			t.Errorf("Authenticate(%q, …): %v, want ErrBadCredentials", c.email, err)
		}
	}
}

func TestAddRefusesBadInput(t *testing.T) {
	svc := accounts.New(storetest.Open(t), accounts.WithParams(cheap))
	ctx := t.Context()
	tests := []struct {
		name, email, password string
		role                  programme.StaffRole
		code, path            string
	}{
		{"short password", "ana@example.org", "short", programme.RoleAdmin, programme.EINVALID, "password"},
		{"bad e-mail", "ana", "correct horse battery", programme.RoleAdmin, programme.EINVALID, "email"},
		{"bad role", "ana@example.org", "correct horse battery", "root", programme.EINVALID, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.Add(ctx, tt.email, tt.role, tt.password)
			var de *programme.Error
			if !errors.As(err, &de) || de.Code != tt.code {
				t.Fatalf("Add: %v, want code %s", err, tt.code)
			}
			if tt.path != "" && (len(de.Fields) != 1 || de.Fields[0].Path != tt.path) {
				t.Errorf("fields %v, want one on %s", de.Fields, tt.path)
			}
		})
	}
	if users, _ := svc.Users(ctx); len(users) != 0 {
		t.Errorf("%d accounts after refusals, want none", len(users))
	}
	if _, err := svc.Add(ctx, "ana@example.org", programme.RoleAdmin, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Add(ctx, "ana@example.org", programme.RoleViewer, "correct horse battery"); programme.ErrorCode(err) != programme.ECONFLICT {
		t.Errorf("a taken e-mail: %v, want a conflict", err)
	}
}

func TestEnsureDemoAdmin(t *testing.T) {
	svc := accounts.New(storetest.Open(t), accounts.WithParams(cheap))
	ctx := t.Context()
	password, err := svc.EnsureDemoAdmin(ctx)
	if err != nil || len(password) < programme.MinPasswordLength {
		t.Fatalf("EnsureDemoAdmin=%q, %v; want a long password", password, err)
	}
	u, err := svc.Authenticate(ctx, accounts.DemoAdminEmail, password)
	if err != nil || u.Role != programme.RoleAdmin {
		t.Fatalf("logging in as the demo admin: %+v, %v", u, err)
	}
	again, err := svc.EnsureDemoAdmin(ctx)
	if err != nil || again != "" {
		t.Fatalf("EnsureDemoAdmin again=%q, %v; want nothing new", again, err)
	}
	if _, err := svc.Authenticate(ctx, accounts.DemoAdminEmail, password); err != nil {
		t.Errorf("the first password no longer works: %v", err)
	}
}
