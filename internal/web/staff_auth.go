package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

// Accounts checks staff logins and looks accounts up; package accounts
// implements it.
type Accounts interface {
	// Authenticate returns the account of an e-mail and password, or an
	// EINVALID error that says neither which part was wrong nor whether
	// the account exists.
	Authenticate(ctx context.Context, email, password string) (*programme.User, error)
	// User returns an account by id, or an ENOTFOUND error.
	User(ctx context.Context, id int64) (*programme.User, error)
}

// SessionStore keeps staff login sessions in the database, so that any
// instance serves any request; the store package implements it.
type SessionStore interface {
	FindSession(ctx context.Context, token string) ([]byte, bool, error)
	CommitSession(ctx context.Context, token string, data []byte, expiry time.Time) error
	DeleteSession(ctx context.Context, token string) error
	DeleteExpiredSessions(ctx context.Context) (int64, error)
}

// Settings of staff logins.
const (
	// sessionLifetime is how long a login lasts, however active. There is
	// no idle timeout: it would cost a database write on every request.
	sessionLifetime = 12 * time.Hour
	sessionCookie   = "planner_session"
	sessionUserKey  = "user_id"
	csrfField       = "_csrf"
	csrfCookie      = "planner_csrf"
	csrfContextKey  = "csrf"
	userContextKey  = "web.staff_user"

	// A client that fails this many logins for one e-mail address, or
	// from one address, within loginWindow is refused until the window
	// ends. The account limit stops guessing one password; the address
	// limit stops one client trying a password on many accounts. Both
	// also bound the CPU that password hashing can be made to burn.
	loginAccountLimit = 5
	loginAddressLimit = 20
	loginWindow       = 15 * time.Minute

	staffHome  = "/staff"
	staffLogin = "/staff/login"
)

// staffAuth is what the staff pages share: accounts, login sessions and the
// login throttle.
type staffAuth struct {
	accounts Accounts
	sessions SessionStore
	manager  *scs.SessionManager
	throttle loginLimiter
	csrf     echo.MiddlewareFunc
}

// newStaffAuth sets up login sessions and CSRF protection. Cookies are
// HttpOnly and SameSite=Lax, and Secure when the public address is https.
func newStaffAuth(s *Server, accounts Accounts, sessions SessionStore) *staffAuth {
	secure := strings.HasPrefix(s.baseURL, "https://")
	m := scs.New()
	m.Store = scsStore{sessions}
	m.Codec = newSessionCodec()
	m.Lifetime = sessionLifetime
	m.Cookie.Name = sessionCookie
	m.Cookie.Path = s.path("/")
	m.Cookie.HttpOnly = true
	m.Cookie.SameSite = http.SameSiteLaxMode
	m.Cookie.Secure = secure
	m.Cookie.Persist = false
	m.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		// Only the store fails here (the session cookie itself is
		// never an error); its errors name no token.
		s.log.ErrorContext(r.Context(), "login session", "error", err)
		http.Error(w, msgUnavailable, http.StatusServiceUnavailable)
	}
	csrf := middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "form:" + csrfField + ",header:" + echo.HeaderXCSRFToken,
		ContextKey:     csrfContextKey,
		CookieName:     csrfCookie,
		CookiePath:     s.path(staffHome),
		CookieHTTPOnly: true,
		CookieSecure:   secure,
		CookieSameSite: http.SameSiteLaxMode,
		// A missing token is a 400 in Echo; say 403 for every refusal,
		// with a sentence a person can act on.
		ErrorHandler: func(err error, c echo.Context) error {
			return echo.NewHTTPError(http.StatusForbidden,
				"This form has expired or did not come from this site. Reload the page and try again.")
		},
	})
	return &staffAuth{
		accounts: accounts,
		sessions: sessions,
		manager:  m,
		throttle: newLoginLimiter(sessions, s.now),
		csrf:     csrf,
	}
}

// staffMiddleware is the chain of every staff route: no caching, the login
// session, then CSRF protection on every state-changing request.
func (s *Server) staffMiddleware() []echo.MiddlewareFunc {
	return []echo.MiddlewareFunc{
		noStore,
		echo.WrapMiddleware(s.staff.manager.LoadAndSave),
		// Errors are turned into pages inside the session middleware, which
		// saves the session when the response starts; an error returned
		// past it would be written after that, and the session saved twice.
		errorsInside,
		s.staff.csrf,
	}
}

// noStore keeps staff pages, which show who is logged in, out of caches.
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
		return next(c)
	}
}

// errorsInside writes the error page at once and leaves the error for the
// request logger, as a handler writing its own response does.
func errorsInside(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := next(c); err != nil {
			c.Set(errorKey, err)
			c.Error(err)
		}
		return nil
	}
}

// requireRole lets a request through only from a logged-in staff member
// whose role may take action (programme.Can). The account is looked up on
// every request, so that a removed account or a changed role counts at once
// when made through this server, and from another process as soon as this
// one learns of it (the store answers from memory only while the change
// counter says nothing changed; see store.Store.RememberAuth). A visitor
// who is not logged in is sent to the login page.
func (s *Server) requireRole(action programme.Action) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u, err := s.currentUser(c)
			if err != nil {
				return err
			}
			if u == nil {
				req := c.Request()
				if req.Method != http.MethodGet && req.Method != http.MethodHead {
					return echo.NewHTTPError(http.StatusUnauthorized, "Log in first.")
				}
				return c.Redirect(http.StatusSeeOther, s.path(staffLogin)+"?next="+url.QueryEscape(req.URL.RequestURI()))
			}
			if !programme.Can(u.Role, action) {
				return echo.NewHTTPError(http.StatusForbidden, "Your role ("+string(u.Role)+") does not allow this.")
			}
			return next(c)
		}
	}
}

// currentUser returns the logged-in account, or nil when nobody is logged
// in or the account no longer exists.
func (s *Server) currentUser(c echo.Context) (*programme.User, error) {
	if u, ok := c.Get(userContextKey).(*programme.User); ok {
		return u, nil
	}
	ctx := c.Request().Context()
	id := s.staff.manager.GetInt64(ctx, sessionUserKey)
	if id == 0 {
		return nil, nil
	}
	u, err := s.staff.accounts.User(ctx, id)
	if programme.ErrorCode(err) == programme.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c.Set(userContextKey, u)
	return u, nil
}

// loginPage is the page data of staff/login.html.
type loginPage struct {
	page
	CSRF  string
	Email string
	Next  string
	// Errors maps a field ("email", "password") to its message; the key
	// "" holds a message about the whole form.
	Errors map[string]string
}

func (s *Server) handleLoginShow(c echo.Context) error {
	u, err := s.currentUser(c)
	if err != nil {
		return err
	}
	next := safeNext(c.QueryParam("next"))
	if u != nil {
		return c.Redirect(http.StatusSeeOther, s.path(next))
	}
	return s.renderLogin(c, http.StatusOK, "", next, nil)
}

func (s *Server) handleLoginCreate(c echo.Context) error {
	email := strings.TrimSpace(c.FormValue("email"))
	password := c.FormValue("password")
	next := safeNext(c.FormValue("next"))
	errs := map[string]string{}
	if email == "" {
		errs["email"] = "Enter your e-mail address."
	}
	if password == "" {
		errs["password"] = "Enter your password."
	}
	if len(errs) > 0 {
		return s.renderLogin(c, http.StatusUnprocessableEntity, email, next, errs)
	}

	account, address := "account:"+strings.ToLower(email), "address:"+c.RealIP()
	ctx := c.Request().Context()
	wait, err := s.staff.throttle.blocked(ctx, account, address)
	if err != nil {
		return err
	}
	if wait > 0 {
		minutes := int((wait + time.Minute - 1) / time.Minute)
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(wait.Round(time.Second)/time.Second)))
		return s.renderLogin(c, http.StatusTooManyRequests, email, next, map[string]string{
			"": "Too many failed logins for this e-mail address or from this network. Try again in " + plural(minutes, "minute") + ".",
		})
	}
	u, err := s.staff.accounts.Authenticate(ctx, email, password)
	if programme.ErrorCode(err) == programme.EINVALID {
		if err := s.staff.throttle.fail(ctx, account, address); err != nil {
			return err
		}
		s.log.DebugContext(ctx, "login refused", "email", email)
		return s.renderLogin(c, http.StatusUnprocessableEntity, email, next, map[string]string{
			"": "The e-mail address or the password is not right.",
		})
	}
	if err != nil {
		return err
	}
	// Only the account's count is forgiven: forgiving the address too
	// would let a client with one account of its own reset its guesses.
	if err := s.staff.throttle.forgive(ctx, account); err != nil {
		return err
	}
	// A new token at login, so that a token planted before it is worthless.
	if err := s.staff.manager.RenewToken(ctx); err != nil {
		return err
	}
	s.staff.manager.Put(ctx, sessionUserKey, u.ID)
	s.log.DebugContext(ctx, "logged in", "email", u.Email, "role", u.Role)
	// Logins are the only thing that creates sessions, so clearing the
	// expired ones here keeps the table bounded without a timer.
	if _, err := s.staff.sessions.DeleteExpiredSessions(ctx); err != nil {
		s.log.WarnContext(ctx, "cannot delete expired login sessions", "error", err)
	}
	return c.Redirect(http.StatusSeeOther, s.path(next))
}

func (s *Server) handleLogout(c echo.Context) error {
	if err := s.staff.manager.Destroy(c.Request().Context()); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, s.path(staffLogin))
}

func (s *Server) renderLogin(c echo.Context, status int, email, next string, errs map[string]string) error {
	token, _ := c.Get(csrfContextKey).(string)
	return c.Render(status, "staff/login", loginPage{
		page:   page{Title: "Log in"},
		CSRF:   token,
		Email:  email,
		Next:   next,
		Errors: errs,
	})
}

// handleEditCheck is a placeholder for the programme builder's changes: it
// changes nothing and answers 204 to whoever may edit programmes, so that
// the role check of state-changing routes is in place before they are.
func (s *Server) handleEditCheck(c echo.Context) error {
	return c.NoContent(http.StatusNoContent)
}

// safeNext returns where to go after logging in: a staff path of this site,
// never another site (an open redirect), else the staff home.
func safeNext(next string) string {
	if next == staffHome || strings.HasPrefix(next, staffHome+"/") || strings.HasPrefix(next, staffHome+"?") {
		if !strings.ContainsAny(next, "\\\r\n") && !strings.HasPrefix(next, staffLogin) {
			return next
		}
	}
	return staffHome
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// scsStore adapts the database's login sessions to the session manager.
type scsStore struct{ st SessionStore }

var _ scs.CtxStore = scsStore{}

func (s scsStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

func (s scsStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

func (s scsStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}

func (s scsStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	return s.st.FindSession(ctx, token)
}

func (s scsStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return s.st.CommitSession(ctx, token, b, expiry)
}

func (s scsStore) DeleteCtx(ctx context.Context, token string) error {
	return s.st.DeleteSession(ctx, token)
}

// loginLimiter counts failed logins per key (an e-mail address or a client
// address) in fixed windows of loginWindow and says how long a key is
// refused once it reaches its limit (limitOf).
type loginLimiter interface {
	// blocked returns how long the keys stay refused, or 0 when none is.
	blocked(ctx context.Context, keys ...string) (time.Duration, error)
	// fail counts one failed login against every key.
	fail(ctx context.Context, keys ...string) error
	// forgive forgets the failures of a key.
	forgive(ctx context.Context, key string) error
}

// LoginFailures keeps the failed logins in the database, so that every
// instance on it counts the same failures; the store package implements it.
type LoginFailures interface {
	LoginFailureWindows(ctx context.Context, keys ...string) (map[string]store.LoginFailureWindow, error)
	RecordLoginFailure(ctx context.Context, now time.Time, window time.Duration, keys ...string) error
	ForgetLoginFailures(ctx context.Context, key string) error
}

// newLoginLimiter counts in the database when the session store keeps
// failed logins too (the real one does), else in this process's memory.
func newLoginLimiter(sessions SessionStore, now func() time.Time) loginLimiter {
	if db, ok := sessions.(LoginFailures); ok {
		return dbThrottle{db: db, now: now}
	}
	return newLoginThrottle(now)
}

// dbThrottle is the loginLimiter of several instances: the counts live in
// the database (migration 0018).
type dbThrottle struct {
	db  LoginFailures
	now func() time.Time
}

func (t dbThrottle) blocked(ctx context.Context, keys ...string) (time.Duration, error) {
	windows, err := t.db.LoginFailureWindows(ctx, keys...)
	if err != nil {
		return 0, err
	}
	now := t.now()
	var wait time.Duration
	for k, w := range windows {
		if now.Sub(w.Start) >= loginWindow || w.Failures < limitOf(k) {
			continue
		}
		wait = max(wait, loginWindow-now.Sub(w.Start))
	}
	return wait, nil
}

func (t dbThrottle) fail(ctx context.Context, keys ...string) error {
	return t.db.RecordLoginFailure(ctx, t.now(), loginWindow, keys...)
}

func (t dbThrottle) forgive(ctx context.Context, key string) error {
	return t.db.ForgetLoginFailures(ctx, key)
}

// loginThrottle is the loginLimiter of a server without a database that
// keeps failed logins (tests' fakes): it counts in the process's memory.
type loginThrottle struct {
	mu       sync.Mutex
	now      func() time.Time
	failures map[string]*failureWindow
}

type failureWindow struct {
	start time.Time
	count int
}

// maxThrottleKeys bounds the throttle's memory; beyond it, windows that
// have ended are dropped.
const maxThrottleKeys = 100_000

func newLoginThrottle(now func() time.Time) *loginThrottle {
	return &loginThrottle{now: now, failures: map[string]*failureWindow{}}
}

func limitOf(key string) int {
	if strings.HasPrefix(key, "address:") {
		return loginAddressLimit
	}
	return loginAccountLimit
}

func (t *loginThrottle) blocked(ctx context.Context, keys ...string) (time.Duration, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var wait time.Duration
	for _, k := range keys {
		w, ok := t.failures[k]
		if !ok || now.Sub(w.start) >= loginWindow || w.count < limitOf(k) {
			continue
		}
		wait = max(wait, loginWindow-now.Sub(w.start))
	}
	return wait, nil
}

func (t *loginThrottle) fail(ctx context.Context, keys ...string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.failures) >= maxThrottleKeys {
		for k, w := range t.failures {
			if now.Sub(w.start) >= loginWindow {
				delete(t.failures, k)
			}
		}
	}
	for _, k := range keys {
		w, ok := t.failures[k]
		if !ok || now.Sub(w.start) >= loginWindow {
			w = &failureWindow{start: now}
			t.failures[k] = w
		}
		w.count++
	}
	return nil
}

func (t *loginThrottle) forgive(ctx context.Context, key string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.failures, key)
	return nil
}
