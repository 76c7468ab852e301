package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

// APITokens is what the tokens page needs of the store: the API tokens of
// an account (of every account for an empty email), and revoking one. The
// Store given to New provides it when it has it (the real one does).
type APITokens interface {
	APITokens(ctx context.Context, email string) ([]store.APIToken, error)
	RevokeAPIToken(ctx context.Context, id int64) error
}

// tokensPage is the page data of staff/tokens.html.
type tokensPage struct {
	staffPage
	// All is true for an admin, who sees every account's tokens.
	All    bool
	Tokens []tokenRow
}

type tokenRow struct {
	ID                           int64
	Email, Name                  string
	Created, LastUsed, RevokedAt string
	Revoked                      bool
}

// handleTokenIndex lists the logged-in account's API tokens (an admin's:
// everyone's), with a revoke button on each live one. Tokens are created
// with `planner token create`, where the secret is shown once.
func (s *Server) handleTokenIndex(c echo.Context) error {
	tokens, ok := s.store.(APITokens)
	if !ok {
		return echo.ErrNotFound
	}
	base, err := s.staffPageOf(c, "API tokens")
	if err != nil {
		return err
	}
	all := programme.Can(base.User.Role, programme.ActionManageAccounts)
	email := base.User.Email
	if all {
		email = ""
	}
	list, err := tokens.APITokens(c.Request().Context(), email)
	if err != nil {
		return err
	}
	stamp := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format("2 Jan 2006, 15:04 UTC")
	}
	data := tokensPage{staffPage: base, All: all}
	for _, t := range list {
		data.Tokens = append(data.Tokens, tokenRow{ID: t.ID, Email: t.Email, Name: t.Name, Created: stamp(&t.CreatedAt),
			LastUsed: stamp(t.LastUsedAt), RevokedAt: stamp(t.RevokedAt), Revoked: t.RevokedAt != nil})
	}
	return c.Render(http.StatusOK, "staff/tokens", data)
}

// handleTokenRevoke revokes one of the account's tokens, or, for an admin,
// anyone's.
func (s *Server) handleTokenRevoke(c echo.Context) error {
	tokens, ok := s.store.(APITokens)
	if !ok {
		return echo.ErrNotFound
	}
	u, err := s.currentUser(c)
	if err != nil || u == nil {
		return echo.NewHTTPError(http.StatusUnauthorized, "Log in first.")
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return programme.Errorf(programme.ENOTFOUND, "There is no such token.")
	}
	email := u.Email
	if programme.Can(u.Role, programme.ActionManageAccounts) {
		email = ""
	}
	list, err := tokens.APITokens(c.Request().Context(), email)
	if err != nil {
		return err
	}
	for _, t := range list {
		if t.ID == id {
			if err := tokens.RevokeAPIToken(c.Request().Context(), id); err != nil {
				return err
			}
			return c.Redirect(http.StatusSeeOther, s.path("/staff/tokens"))
		}
	}
	// Another account's token is none of a non-admin's business: as if
	// there were none.
	return programme.Errorf(programme.ENOTFOUND, "There is no such token.")
}
