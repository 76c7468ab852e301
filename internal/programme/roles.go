package programme

import (
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// StaffRole is what a staff account may do (not to be confused with a
// person's role in a programme, such as "speaker"). Delegates have no account: they reach
// their feeds and agenda pages by secret link alone.
type StaffRole string

// The roles, from the least to the most trusted.
const (
	RoleViewer StaffRole = "viewer" // sees every programme, changes nothing
	RoleEditor StaffRole = "editor" // also changes programmes
	RoleAdmin  StaffRole = "admin"  // also manages accounts and feed links
)

// Roles lists every role, from the least to the most trusted.
var StaffRoles = []StaffRole{RoleViewer, RoleEditor, RoleAdmin}

// ParseStaffRole returns the role named s, or an EINVALID error naming the roles.
func ParseStaffRole(s string) (StaffRole, error) {
	for _, r := range StaffRoles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", Errorf(EINVALID, "the role %q is not admin, editor or viewer", s)
}

// Action is something a staff member may ask to do.
type Action string

// The actions that roles allow.
const (
	ActionViewProgrammes Action = "view-programmes"
	ActionEditProgrammes Action = "edit-programmes"
	ActionManageFeeds    Action = "manage-feeds"
	ActionManageAccounts Action = "manage-accounts"
)

// Limits of account names and passwords.
const (
	// MinPasswordLength is the fewest characters a new password may have.
	MinPasswordLength = 12
	// maxPasswordBytes bounds the work of hashing a password.
	maxPasswordBytes = 1024
	// maxEmailBytes is the longest address SMTP can deliver to (RFC 5321).
	maxEmailBytes = 254
)

// allowed says which roles may take each action. Each role may do what the
// role below it may, and more; an action missing here is allowed to nobody.
var allowed = map[Action][]StaffRole{
	ActionViewProgrammes: {RoleViewer, RoleEditor, RoleAdmin},
	ActionEditProgrammes: {RoleEditor, RoleAdmin},
	ActionManageFeeds:    {RoleAdmin},
	ActionManageAccounts: {RoleAdmin},
}

// Can reports whether a staff member with role may take action. An unknown
// role or action is refused, so that a typo fails closed.
func Can(role StaffRole, action Action) bool {
	for _, r := range allowed[action] {
		if r == role {
			return true
		}
	}
	return false
}

// User is a staff account. Its password hash never leaves the store.
type User struct {
	ID        int64
	Email     string
	Name      string // shown in the change log; may be empty
	Role      StaffRole
	CreatedAt time.Time
}

// NormalizeEmail returns the canonical form of an e-mail address used as an
// account name: trimmed and lower-cased, so that "Ana@Example.org " and
// "ana@example.org" are one account. It returns an EINVALID error with the
// field "email" when the address is not a plain addr-spec.
func NormalizeEmail(s string) (string, error) {
	email := strings.ToLower(strings.TrimSpace(s))
	var problem string
	switch {
	case email == "":
		problem = "is empty"
	case len(email) > maxEmailBytes:
		problem = "is longer than 254 characters"
	case strings.ContainsAny(email, "<>,;\" \t\r\n"):
		problem = "must be a plain address such as ana@example.org"
	default:
		// net/mail accepts display names and comments; the checks above
		// leave it only the address itself to judge.
		a, err := mail.ParseAddress(email)
		if err != nil || a.Address != email {
			problem = "is not an e-mail address such as ana@example.org"
		}
	}
	if problem != "" {
		var fe FieldErrors
		fe.Add("email", "%s", problem)
		return "", fe.Err("The e-mail address " + problem + ".")
	}
	return email, nil
}

// maxUserNameRunes bounds an account's display name.
const maxUserNameRunes = 100

// CheckUserName returns an EINVALID error with the field "name" when an
// account's display name is too long or holds control characters; an empty
// name is allowed (the log then shows the e-mail address).
func CheckUserName(name string) error {
	var fe FieldErrors
	switch {
	case utf8.RuneCountInString(name) > maxUserNameRunes:
		fe.Add("name", "is longer than %d characters", maxUserNameRunes)
	case !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl):
		fe.Add("name", "holds a control character or invalid UTF-8")
	}
	return fe.Err("The name is not acceptable.")
}

// CheckPassword returns an EINVALID error with the field "password" when a
// new password is too short or too long. Length is what matters for a
// passphrase; rules about character classes make people write passwords down.
func CheckPassword(password string) error {
	var fe FieldErrors
	switch {
	case len([]rune(password)) < MinPasswordLength:
		fe.Add("password", "is shorter than %d characters", MinPasswordLength)
	case len(password) > maxPasswordBytes:
		fe.Add("password", "is longer than %d bytes", maxPasswordBytes)
	}
	return fe.Err("The password is not acceptable.")
}
