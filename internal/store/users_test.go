package store_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// hash stands in for a password hash: the store keeps whatever it is given.
const hash = "$argon2id$v=19$m=16,t=1,p=1$c2FsdA$a2V5"

func mustCreateUser(t *testing.T, s *store.Store, email string, role programme.StaffRole) *programme.User {
	t.Helper()
	u, err := s.CreateUser(t.Context(), store.NewUser{Email: email, Role: role, PasswordHash: hash})
	if err != nil {
		t.Fatalf("CreateUser(%q): %v", email, err)
	}
	return u
}

func TestCreateUserNormalisesAndLists(t *testing.T) {
	s, _ := openClocked(t)
	ctx := t.Context()
	ana := mustCreateUser(t, s, "  Ana@Example.ORG ", programme.RoleEditor)
	if got, want := ana.Email, "ana@example.org"; got != want {
		t.Errorf("Email=%q, want %q", got, want)
	}
	if !ana.CreatedAt.Equal(t0) || ana.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt=%v, want %v in UTC", ana.CreatedAt, t0)
	}
	mustCreateUser(t, s, "bo@example.org", programme.RoleViewer)

	users, err := s.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 || users[0].Email != "ana@example.org" || users[1].Email != "bo@example.org" || users[1].Role != programme.RoleViewer {
		t.Fatalf("Users=%+v, want ana (editor) then bo (viewer)", users)
	}
	got, err := s.UserByID(ctx, ana.ID)
	if err != nil || got.Email != ana.Email || got.Role != programme.RoleEditor {
		t.Errorf("UserByID=%+v, %v; want %+v", got, err, ana)
	}
	u, h, err := s.UserCredentials(ctx, "ANA@example.org")
	if err != nil || u.ID != ana.ID || h != hash {
		t.Errorf("UserCredentials=%+v, %q, %v; want ana with the stored hash", u, h, err)
	}
}

func TestCreateUserRefusals(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	mustCreateUser(t, s, "ana@example.org", programme.RoleAdmin)
	tests := []struct {
		name string
		u    store.NewUser
		code string
	}{
		{"same e-mail in another case", store.NewUser{Email: "ANA@example.org", Role: programme.RoleViewer, PasswordHash: hash}, programme.ECONFLICT},
		{"malformed e-mail", store.NewUser{Email: "ana", Role: programme.RoleViewer, PasswordHash: hash}, programme.EINVALID},
		{"display name", store.NewUser{Email: "Ana <ana2@example.org>", Role: programme.RoleViewer, PasswordHash: hash}, programme.EINVALID},
		{"unknown role", store.NewUser{Email: "bo@example.org", Role: "owner", PasswordHash: hash}, programme.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateUser(ctx, tt.u)
			if got := programme.ErrorCode(err); got != tt.code {
				t.Fatalf("CreateUser: code %q (%v), want %q", got, err, tt.code)
			}
		})
	}
	if users, _ := s.Users(ctx); len(users) != 1 {
		t.Errorf("%d accounts after refusals, want 1", len(users))
	}
}

func TestUserLookupsOfMissingAccounts(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	if _, err := s.UserByID(ctx, 42); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Errorf("UserByID(42): %v, want not found", err)
	}
	for _, email := range []string{"nobody@example.org", "not an address"} {
		if _, _, err := s.UserCredentials(ctx, email); programme.ErrorCode(err) != programme.ENOTFOUND {
			t.Errorf("UserCredentials(%q): %v, want not found", email, err)
		}
	}
	if err := s.RemoveUser(ctx, "nobody@example.org"); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Errorf("RemoveUser: %v, want not found", err)
	}
}

func TestRemoveUserKeepsTheLastAdmin(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	mustCreateUser(t, s, "ana@example.org", programme.RoleAdmin)
	mustCreateUser(t, s, "bo@example.org", programme.RoleEditor)

	if err := s.RemoveUser(ctx, "ana@example.org"); programme.ErrorCode(err) != programme.ECONFLICT {
		t.Fatalf("removing the last admin: %v, want a conflict", err)
	}
	if err := s.RemoveUser(ctx, "BO@example.org"); err != nil {
		t.Fatalf("RemoveUser(bo): %v", err)
	}
	mustCreateUser(t, s, "cy@example.org", programme.RoleAdmin)
	if err := s.RemoveUser(ctx, "ana@example.org"); err != nil {
		t.Fatalf("removing one of two admins: %v", err)
	}
	users, err := s.Users(ctx)
	if err != nil || len(users) != 1 || users[0].Email != "cy@example.org" {
		t.Fatalf("Users=%+v, %v; want only cy", users, err)
	}
}

func TestSetUserRoleKeepsTheLastAdmin(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	mustCreateUser(t, s, "ana@example.org", programme.RoleAdmin)
	mustCreateUser(t, s, "bo@example.org", programme.RoleViewer)

	if err := s.SetUserRole(ctx, "ana@example.org", programme.RoleEditor); programme.ErrorCode(err) != programme.ECONFLICT {
		t.Fatalf("demoting the last admin: %v, want a conflict", err)
	}
	if err := s.SetUserRole(ctx, "bo@example.org", "owner"); programme.ErrorCode(err) != programme.EINVALID {
		t.Fatalf("an unknown role: %v, want invalid", err)
	}
	if err := s.SetUserRole(ctx, "nobody@example.org", programme.RoleEditor); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Fatalf("no such account: %v, want not found", err)
	}
	if err := s.SetUserRole(ctx, "BO@example.org", programme.RoleAdmin); err != nil {
		t.Fatalf("promoting bo: %v", err)
	}
	if err := s.SetUserRole(ctx, "ana@example.org", programme.RoleViewer); err != nil {
		t.Fatalf("demoting one of two admins: %v", err)
	}
	users, err := s.Users(ctx)
	if err != nil || len(users) != 2 || users[0].Role != programme.RoleViewer || users[1].Role != programme.RoleAdmin {
		t.Fatalf("Users=%+v, %v; want ana a viewer and bo an admin", users, err)
	}
}

func TestCreateFirstUserOnlyWhenNoneExists(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	first := store.NewUser{Email: "admin@example.org", Role: programme.RoleAdmin, PasswordHash: hash}
	created, err := s.CreateFirstUser(ctx, first)
	if err != nil || !created {
		t.Fatalf("CreateFirstUser on an empty database: %v, %v; want created", created, err)
	}
	created, err = s.CreateFirstUser(ctx, store.NewUser{Email: "other@example.org", Role: programme.RoleAdmin, PasswordHash: hash})
	if err != nil || created {
		t.Fatalf("CreateFirstUser again: %v, %v; want nothing created", created, err)
	}
	if users, _ := s.Users(ctx); len(users) != 1 || users[0].Email != "admin@example.org" {
		t.Fatalf("Users=%+v, want only the first admin", users)
	}
}

func TestLoginSessions(t *testing.T) {
	s, clock := openClocked(t)
	ctx := t.Context()
	expiry := t0.Add(time.Hour)
	if err := s.CommitSession(ctx, "tok-a", []byte("one"), expiry); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitSession(ctx, "tok-a", []byte("two"), expiry); err != nil {
		t.Fatalf("committing a token again: %v", err)
	}
	if err := s.CommitSession(ctx, "tok-b", []byte("short"), t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	data, found, err := s.FindSession(ctx, "tok-a")
	if err != nil || !found || !bytes.Equal(data, []byte("two")) {
		t.Fatalf("FindSession(tok-a)=%q, %v, %v; want the last data", data, found, err)
	}
	if _, found, err := s.FindSession(ctx, "unknown"); err != nil || found {
		t.Errorf("FindSession(unknown): found %v, err %v; want neither", found, err)
	}

	clock.Advance(2 * time.Minute)
	if _, found, err := s.FindSession(ctx, "tok-b"); err != nil || found {
		t.Errorf("an expired session: found %v, err %v; want not found", found, err)
	}
	n, err := s.DeleteExpiredSessions(ctx)
	if err != nil || n != 1 {
		t.Errorf("DeleteExpiredSessions=%d, %v; want 1", n, err)
	}

	if err := s.DeleteSession(ctx, "tok-a"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSession(ctx, "tok-a"); err != nil {
		t.Errorf("deleting an unknown token: %v, want no error", err)
	}
	if _, found, _ := s.FindSession(ctx, "tok-a"); found {
		t.Error("a deleted session is still found")
	}
}
