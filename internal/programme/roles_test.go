package programme

import (
	"strings"
	"testing"
)

func TestCan(t *testing.T) {
	tests := []struct {
		role                        StaffRole
		view, edit, feeds, accounts bool
	}{
		{RoleViewer, true, false, false, false},
		{RoleEditor, true, true, false, false},
		{RoleAdmin, true, true, true, true},
		{"owner", false, false, false, false},
		{"", false, false, false, false},
	}
	for _, tt := range tests {
		for action, want := range map[Action]bool{
			ActionViewProgrammes: tt.view,
			ActionEditProgrammes: tt.edit,
			ActionManageFeeds:    tt.feeds,
			ActionManageAccounts: tt.accounts,
			"launch-rockets":     false,
		} {
			if got := Can(tt.role, action); got != want {
				t.Errorf("Can(%q, %q)=%v, want %v", tt.role, action, got, want)
			}
		}
	}
}

func TestParseStaffRole(t *testing.T) {
	for _, r := range StaffRoles {
		if got, err := ParseStaffRole(string(r)); err != nil || got != r {
			t.Errorf("ParseStaffRole(%q)=%q, %v", r, got, err)
		}
	}
	for _, s := range []string{"", "Admin", "owner"} {
		if _, err := ParseStaffRole(s); ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), "admin, editor or viewer") {
			t.Errorf("ParseStaffRole(%q): %v, want EINVALID naming the roles", s, err)
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	tests := []struct{ in, want, problem string }{
		{"  Ana@Example.ORG\n", "ana@example.org", ""},
		{"a.b+c@sub.example.org", "a.b+c@sub.example.org", ""},
		{"", "", "is empty"},
		{"ana", "", "not an e-mail address"},
		{"ana@", "", "not an e-mail address"},
		{"Ana <ana@example.org>", "", "plain address"},
		{"ana@example.org, bo@example.org", "", "plain address"},
		{strings.Repeat("a", 250) + "@x.org", "", "longer than 254"},
	}
	for _, tt := range tests {
		got, err := NormalizeEmail(tt.in)
		if tt.problem == "" {
			if err != nil || got != tt.want {
				t.Errorf("NormalizeEmail(%q)=%q, %v; want %q", tt.in, got, err, tt.want)
			}
			continue
		}
		var de *Error
		if !asError(err, &de) || de.Code != EINVALID || len(de.Fields) != 1 || de.Fields[0].Path != "email" || !strings.Contains(de.Fields[0].Msg, tt.problem) {
			t.Errorf("NormalizeEmail(%q): %v; want EINVALID on email saying %q", tt.in, err, tt.problem)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	if err := CheckPassword("correct horse battery"); err != nil {
		t.Errorf("a long passphrase: %v", err)
	}
	if err := CheckPassword("ñññññññññññ" + "ñ"); err != nil {
		t.Errorf("twelve non-ASCII characters: %v", err)
	}
	for _, pw := range []string{"", "short", strings.Repeat("x", 1025)} {
		var de *Error
		if err := CheckPassword(pw); !asError(err, &de) || de.Code != EINVALID || de.Fields[0].Path != "password" {
			t.Errorf("CheckPassword(%d bytes): %v, want EINVALID on password", len(pw), err)
		}
	}
}

func asError(err error, target **Error) bool {
	e, ok := err.(*Error)
	if ok {
		*target = e
	}
	return ok
}
