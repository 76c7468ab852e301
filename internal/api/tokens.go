package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

// Token is an API token as lists show it, never its secret.
type Token struct {
	ID         int64      `json:"id"`
	Email      string     `json:"email" doc:"The account the token acts for."`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty" doc:"Within a minute."`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// TokensOutput lists tokens.
type TokensOutput struct {
	Body struct {
		Items []Token `json:"items"`
	}
}

type tokenInput struct {
	ID int64 `path:"id"`
}

// registerTokens lets staff see and revoke their own tokens, and admins
// everyone's. Tokens are created on the command line (`planner token
// create`), where the secret is shown once.
func (s *Server) registerTokens() {
	tag := []string{"tokens"}
	register(s, huma.Operation{OperationID: "list-tokens", Method: http.MethodGet, Path: Prefix + "/tokens", Tags: tag,
		Summary: "List API tokens", Description: "Your own tokens; an admin sees every account's."},
		programme.ActionViewProgrammes, func(ctx context.Context, _ *struct{}) (*TokensOutput, error) {
			c := ctx.Value(callerKey{}).(*caller)
			email := c.user.Email
			if programme.Can(c.user.Role, programme.ActionManageAccounts) {
				email = ""
			}
			toks, err := s.st.APITokens(ctx, email)
			if err != nil {
				return nil, s.problem(ctx, err, nil)
			}
			out := &TokensOutput{}
			out.Body.Items = []Token{}
			for _, t := range toks {
				out.Body.Items = append(out.Body.Items, tokenOf(t))
			}
			return out, nil
		})
	register(s, huma.Operation{OperationID: "revoke-token", Method: http.MethodDelete, Path: Prefix + "/tokens/{id}", Tags: tag,
		Summary: "Revoke an API token", Description: "Your own, or as an admin anyone's.", DefaultStatus: http.StatusNoContent},
		programme.ActionViewProgrammes, func(ctx context.Context, in *tokenInput) (*noContent, error) {
			c := ctx.Value(callerKey{}).(*caller)
			toks, err := s.st.APITokens(ctx, "")
			if err != nil {
				return nil, s.problem(ctx, err, nil)
			}
			for _, t := range toks {
				if t.ID != in.ID {
					continue
				}
				if t.UserID != c.user.ID && !programme.Can(c.user.Role, programme.ActionManageAccounts) {
					return nil, huma.Error403Forbidden("Only an admin revokes another account's token.")
				}
				if err := s.st.RevokeAPIToken(ctx, in.ID); err != nil {
					return nil, s.problem(ctx, err, nil)
				}
				return &noContent{}, nil
			}
			return nil, huma.Error404NotFound("There is no such token.")
		})
}

func tokenOf(t store.APIToken) Token {
	return Token{ID: t.ID, Email: t.Email, Name: t.Name, CreatedAt: t.CreatedAt, LastUsedAt: timeOrNil(t.LastUsedAt), RevokedAt: timeOrNil(t.RevokedAt)}
}
