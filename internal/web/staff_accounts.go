package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/planner-dev/planner/internal/programme"
)

// AccountAdmin is what the accounts page needs beyond logging in: listing,
// adding, re-roling and removing staff accounts. The Accounts given to New
// provides it when it can (package accounts does).
type AccountAdmin interface {
	Users(ctx context.Context) ([]programme.User, error)
	AddNamed(ctx context.Context, email, name string, role programme.StaffRole, password string) (*programme.User, error)
	SetRole(ctx context.Context, email string, role programme.StaffRole) error
	Remove(ctx context.Context, email string) error
}

// accountsPage is the page data of staff/accounts.html.
type accountsPage struct {
	staffPage
	Accounts []accountRow
	// Notice is why the last role change or removal was refused.
	Notice string
	// The add form: its fields, with the passwords never shown again.
	Email, Name, Password, Password2 fieldView
	Role                             roleField
	FormError                        string
}

type accountRow struct {
	ID                int64
	Email, Name, Role string
	Created           string
	Self              bool
	Roles             []roleOption
}

// roleField is the role select of the add form.
type roleField struct {
	Error   string
	Options []roleOption
}

type roleOption struct {
	Value    string
	Selected bool
}

func roleOptions(selected string) []roleOption {
	out := make([]roleOption, len(programme.StaffRoles))
	for i, r := range programme.StaffRoles {
		out[i] = roleOption{Value: string(r), Selected: string(r) == selected}
	}
	return out
}

func (s *Server) accountAdmin() (AccountAdmin, bool) {
	a, ok := s.staff.accounts.(AccountAdmin)
	return a, ok
}

// handleAccountIndex lists the staff accounts with the forms that change
// them.
func (s *Server) handleAccountIndex(c echo.Context) error {
	f := &form{Values: map[string][]string{"role": {string(programme.RoleViewer)}}, Errors: map[string]string{}}
	return s.renderAccounts(c, http.StatusOK, f, "")
}

// renderAccounts draws the accounts page with the add form as f holds it
// and notice, a refusal of the last change, at the top.
func (s *Server) renderAccounts(c echo.Context, status int, f *form, notice string) error {
	admin, ok := s.accountAdmin()
	if !ok {
		return echo.ErrNotFound
	}
	base, err := s.staffPageOf(c, "Accounts")
	if err != nil {
		return err
	}
	users, err := admin.Users(c.Request().Context())
	if err != nil {
		return err
	}
	data := accountsPage{staffPage: base, Notice: notice, FormError: f.Errors[""]}
	for _, u := range users {
		data.Accounts = append(data.Accounts, accountRow{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role),
			Created: u.CreatedAt.UTC().Format("2 Jan 2006"), Self: u.ID == base.User.ID, Roles: roleOptions(string(u.Role))})
	}
	data.Email = f.field("email", "E-mail address", "email")
	data.Email.Required = true
	data.Name = f.field("name", "Name", "text")
	data.Name.Hint = "How the change log names this account's changes."
	// Passwords are never sent back to the browser, even when the form is
	// shown again.
	data.Password = fieldView{Name: "password", Label: "Initial password", Type: "password", Required: true,
		Error: f.Errors["password"], Hint: "At least " + strconv.Itoa(programme.MinPasswordLength) + " characters; tell it to its owner privately."}
	data.Password2 = fieldView{Name: "password2", Label: "The same password again", Type: "password", Required: true,
		Error: f.Errors["password2"]}
	data.Role = roleField{Error: f.Errors["role"], Options: roleOptions(f.Get("role"))}
	return c.Render(status, "staff/accounts", data)
}

// handleAccountCreate adds an account with an initial password the admin
// typed twice; problems are shown beside their fields with 422.
func (s *Server) handleAccountCreate(c echo.Context) error {
	admin, ok := s.accountAdmin()
	if !ok {
		return echo.ErrNotFound
	}
	f, err := newForm(c)
	if err != nil {
		return err
	}
	password, password2 := f.Values.Get("password"), f.Values.Get("password2")
	role, err := programme.ParseStaffRole(f.Get("role"))
	if err != nil {
		f.Fail("role", "Choose admin, editor or viewer.")
	}
	if password != password2 {
		f.Fail("password2", "The two passwords differ; type the same password twice.")
	}
	if f.Valid() {
		_, err = admin.AddNamed(c.Request().Context(), f.Get("email"), f.Get("name"), role, password)
		switch {
		case err == nil:
			return c.Redirect(http.StatusSeeOther, s.path("/staff/accounts"))
		case programme.ErrorCode(err) == programme.ECONFLICT:
			f.Fail("email", "This e-mail address already has an account.")
		case !f.failWith(err, func(path string) string {
			switch path {
			case "email", "name", "password":
				return path
			}
			return ""
		}):
			return err
		}
	}
	return s.renderAccounts(c, http.StatusUnprocessableEntity, f, "")
}

// accountOf returns the account named by the route's :id.
func (s *Server) accountOf(c echo.Context, admin AccountAdmin) (*programme.User, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err == nil {
		users, err := admin.Users(c.Request().Context())
		if err != nil {
			return nil, err
		}
		for i := range users {
			if users[i].ID == id {
				return &users[i], nil
			}
		}
	}
	return nil, programme.Errorf(programme.ENOTFOUND, "There is no such account.")
}

// handleAccountRole gives an account another role; it counts from the
// account's next request, since requireRole reads the account each time.
func (s *Server) handleAccountRole(c echo.Context) error {
	return s.changeAccount(c, func(ctx context.Context, admin AccountAdmin, u *programme.User) error {
		role, err := programme.ParseStaffRole(c.FormValue("role"))
		if err != nil {
			return err
		}
		return admin.SetRole(ctx, u.Email, role)
	})
}

// handleAccountRemove removes an account. Its login sessions end with it:
// a session names its account by id, ids are never reused, and an account
// that no longer exists is nobody (currentUser).
func (s *Server) handleAccountRemove(c echo.Context) error {
	return s.changeAccount(c, func(ctx context.Context, admin AccountAdmin, u *programme.User) error {
		return admin.Remove(ctx, u.Email)
	})
}

// changeAccount applies change to the route's account and goes back to the
// list, or shows the list again with why it was refused (the last admin:
// 409; a bad role: 422).
func (s *Server) changeAccount(c echo.Context, change func(context.Context, AccountAdmin, *programme.User) error) error {
	admin, ok := s.accountAdmin()
	if !ok {
		return echo.ErrNotFound
	}
	u, err := s.accountOf(c, admin)
	if err != nil {
		return err
	}
	err = change(c.Request().Context(), admin, u)
	empty := &form{Values: map[string][]string{"role": {string(programme.RoleViewer)}}, Errors: map[string]string{}}
	switch programme.ErrorCode(err) {
	case "":
		return c.Redirect(http.StatusSeeOther, s.path("/staff/accounts"))
	case programme.ECONFLICT:
		return s.renderAccounts(c, http.StatusConflict, empty, programme.ErrorMessage(err))
	case programme.EINVALID:
		return s.renderAccounts(c, http.StatusUnprocessableEntity, empty, programme.ErrorMessage(err))
	}
	return err
}
