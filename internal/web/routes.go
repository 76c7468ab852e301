package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/planner-dev/planner/internal/programme"
)

// routes registers the middleware and every route of the server. All routes
// live here so that the whole surface of the application is on one page.
func (s *Server) routes() {
	e, get := s.e, s.get
	e.Use(
		requestID(),
		s.requestLogger(),
		recoverPanics(),
		secure(),
		// The API sets its own limits (a programme file may be larger).
		middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: bodyLimit, Skipper: s.isAPI}),
		// ContextTimeout only cancels the request's context; the older
		// Timeout middleware has data races.
		middleware.ContextTimeout(requestTimeout),
	)

	if s.api != nil {
		e.Any(apiPrefix+"/*", echo.WrapHandler(s.api))
	}
	get("/healthz", s.handleHealthGet)
	get("/", s.handleProgrammeList)
	get("/p/:slug", s.handleProgrammeShow)
	get("/static/:name", s.handleStaticGet)

	// Calendar feeds and personal agenda pages are reached by secret token alone.
	get("/feeds/:file", s.handleFeedGet)
	get("/a/:token", s.handlePersonalShow)
	get("/a/:token/qr.png", s.handlePersonalQR)
	// A delegate's own forms on their runs (personal_actions.go).
	e.POST("/a/:token/runs/:key/vote", s.handleDelegateVote)
	e.POST("/a/:token/runs/:key/stay", s.handleDelegateStay)
	e.POST("/a/:token/runs/:key/unstay", s.handleDelegateUnstay)

	// Staff pages: a login session, CSRF tokens and a role check on each
	// (staff_auth.go).
	if s.staff != nil {
		staff := e.Group(staffHome, s.staffMiddleware()...)
		staff.Match(getMethods, "/login", s.handleLoginShow)
		staff.POST("/login", s.handleLoginCreate)
		staff.POST("/logout", s.handleLogout)
		view, edit := s.requireRole(programme.ActionViewProgrammes), s.requireRole(programme.ActionEditProgrammes)
		manageFeeds := s.requireRole(programme.ActionManageFeeds)
		staff.Match(getMethods, "", s.handleProgrammeIndex, view)
		staff.POST("/edit-check", s.handleEditCheck, edit)

		// A programme's overview, day view, feed links and printouts
		// (staff_overview.go, staff_days.go, staff_feeds.go, staff_print.go).
		staff.Match(getMethods, "/tokens", s.handleTokenIndex, view)
		staff.POST("/tokens/:id/revoke", s.handleTokenRevoke, view)
		// Staff accounts (staff_accounts.go).
		manageAccounts := s.requireRole(programme.ActionManageAccounts)
		staff.Match(getMethods, "/accounts", s.handleAccountIndex, manageAccounts)
		staff.POST("/accounts", s.handleAccountCreate, manageAccounts)
		staff.POST("/accounts/:id/role", s.handleAccountRole, manageAccounts)
		staff.POST("/accounts/:id/remove", s.handleAccountRemove, manageAccounts)
		staff.Match(getMethods, "/p/:slug", s.handleStaffOverview, view)
		staff.Match(getMethods, "/p/:slug/day/:date", s.handleDayShow, view)
		staff.Match(getMethods, "/p/:slug/feeds", s.handleStaffFeedList, view)
		staff.POST("/p/:slug/feeds/:kind/:key/rotate", s.handleStaffFeedRotate, manageFeeds)
		staff.POST("/p/:slug/feeds/:kind/:key/revoke", s.handleStaffFeedRevoke, manageFeeds)
		staff.Match(getMethods, "/p/:slug/print", s.handlePrintIndex, view)
		staff.Match(getMethods, "/p/:slug/print/delegations/:key", s.handlePrintDelegation, view)
		// Welcome sheets carry each delegate's secret link, as a QR code.
		staff.Match(getMethods, "/p/:slug/print/welcome", s.handlePrintWelcome, manageFeeds)
		staff.Match(getMethods, "/p/:slug/print/welcome/:person", s.handlePrintWelcome, manageFeeds)

		if s.changes != nil {
			// Programmes and their history (staff_programmes.go,
			// staff_imports.go, staff_history.go).
			staff.Match(getMethods, "/programmes/new", s.handleProgrammeNew, edit)
			staff.POST("/programmes", s.handleProgrammeCreate, edit)
			staff.Match(getMethods, "/p/:slug/edit", s.handleProgrammeEdit, edit)
			staff.POST("/p/:slug/edit", s.handleProgrammeUpdate, edit)
			staff.Match(getMethods, "/p/:slug/export", s.handleProgrammeExport, view)
			staff.Match(getMethods, "/import", s.handleImportNew, edit)
			staff.POST("/import", s.handleImportPreview, edit)
			staff.POST("/import/confirm", s.handleImportCreate, edit)
			staff.Match(getMethods, "/p/:slug/history", s.handleHistoryIndex, view)
			staff.POST("/p/:slug/history/:id/undo", s.handleHistoryUndo, edit)

			// People, delegations, venues, rooms and reservations
			// (staff_people.go, staff_venues.go, staff_items.go).
			staff.Match(getMethods, "/p/:slug/people", s.handlePeopleIndex, view)
			staff.Match(getMethods, "/p/:slug/people.csv", s.handlePeopleExport, view)
			staff.Match(getMethods, "/p/:slug/people/import", s.handlePeopleImportNew, edit)
			staff.POST("/p/:slug/people/import", s.handlePeopleImportPreview, edit)
			staff.POST("/p/:slug/people/import/confirm", s.handlePeopleImportCreate, edit)
			for _, k := range []*itemKind{personKind, delegationKind, venueKind, roomKind} {
				at := "/p/:slug/" + k.section + k.path
				staff.Match(getMethods, at+"/new", s.handleItemNew(k), edit)
				staff.POST(at+"/new", s.handleItemCreate(k), edit)
				if k != roomKind {
					staff.Match(getMethods, at+"/:key/edit", s.handleItemEdit(k), edit)
				}
				staff.POST(at+"/:key/edit", s.handleItemUpdate(k), edit)
				staff.POST(at+"/:key/remove", s.handleItemRemove(k), edit)
			}
			staff.Match(getMethods, "/p/:slug/venues", s.handleVenueIndex, view)
			staff.Match(getMethods, "/p/:slug/venues/rooms/:key/edit", s.handleRoomEdit, edit)
			staff.POST("/p/:slug/venues/rooms/:key/reservations", s.handleReservationCreate, edit)
			staff.POST("/p/:slug/venues/rooms/:key/reservations/:i/release", s.handleReservationRelease, edit)
			staff.POST("/p/:slug/venues/rooms/:key/reservations/:i/remove", s.handleReservationRemove, edit)

			// Sessions and their speaker slots (staff_sessions.go).
			staff.Match(getMethods, "/p/:slug/sessions", s.handleSessionIndex, view)
			staff.Match(getMethods, "/p/:slug/sessions/new", s.handleSessionNew, edit)
			staff.POST("/p/:slug/sessions/new", s.handleSessionCreate, edit)
			staff.Match(getMethods, "/p/:slug/sessions/:key", s.handleSessionEdit, edit)
			staff.POST("/p/:slug/sessions/:key", s.handleSessionUpdate, edit)
			staff.POST("/p/:slug/sessions/:key/cancel", s.handleSessionCancel, edit)
			staff.Match(getMethods, "/p/:slug/sessions/:key/slots/new", s.handleSlotNew, edit)
			staff.POST("/p/:slug/sessions/:key/slots", s.handleSlotCreate, edit)
			staff.POST("/p/:slug/sessions/:key/slots/order", s.handleSlotOrder, edit)
			staff.Match(getMethods, "/p/:slug/sessions/:key/slots/:slot", s.handleSlotEdit, edit)
			staff.POST("/p/:slug/sessions/:key/slots/:slot", s.handleSlotUpdate, edit)
			staff.POST("/p/:slug/sessions/:key/slots/:slot/remove", s.handleSlotRemove, edit)
			staff.Match(getMethods, "/p/:slug/sessions/:key/slots/:slot/shift", s.handleShiftShow, edit)
			staff.POST("/p/:slug/sessions/:key/slots/:slot/shift", s.handleShiftCreate, edit)

			// Transport runs, their polls, manifests and boarding lists,
			// and hand-outs (staff_runs.go, staff_handouts.go). Ticking a
			// checklist is operational, yet it changes shared state:
			// editors tick, viewers watch.
			staff.Match(getMethods, "/p/:slug/runs", s.handleRunsIndex, view)
			staff.Match(getMethods, "/p/:slug/runs/new", s.handleRunNew, edit)
			staff.POST("/p/:slug/runs", s.handleRunSave, edit)
			staff.Match(getMethods, "/p/:slug/runs/:key", s.handleRunShow, view)
			staff.Match(getMethods, "/p/:slug/runs/:key/edit", s.handleRunEdit, edit)
			staff.POST("/p/:slug/runs/:key/edit", s.handleRunSave, edit)
			staff.POST("/p/:slug/runs/:key/decide", s.handleRunDecide, edit)
			staff.Match(getMethods, "/p/:slug/runs/:key/manifest", s.handleRunManifest, view)
			staff.Match(getMethods, "/p/:slug/runs/:key/boarding", s.handleBoardingShow, view)
			staff.Match(getMethods, "/p/:slug/runs/:key/boarding.json", s.handleBoardingState, view)
			staff.POST("/p/:slug/runs/:key/boarding", s.handleBoardingTick, edit)
			staff.Match(getMethods, "/p/:slug/handouts", s.handleHandoutsIndex, view)
			staff.POST("/p/:slug/handouts", s.handleHandoutCreate, edit)
			staff.Match(getMethods, "/p/:slug/handouts/:key", s.handleHandoutShow, view)
			staff.Match(getMethods, "/p/:slug/handouts/:key/state.json", s.handleHandoutState, view)
			staff.POST("/p/:slug/handouts/:key/ticks", s.handleHandoutTick, edit)
			// Published calendars brought in as sessions (staff_calendars.go).
			staff.Match(getMethods, "/p/:slug/calendars", s.handleCalendarIndex, view)
			staff.POST("/p/:slug/calendars/read", s.handleCalendarRead, edit)
			staff.POST("/p/:slug/calendars/preview", s.handleCalendarPreview, edit)
			staff.POST("/p/:slug/calendars/confirm", s.handleCalendarConfirm, edit)
		}
		if s.mail != nil {
			// Calendar invitations by e-mail: pausing and resuming them
			// (staff_mail.go).
			staff.Match(getMethods, "/p/:slug/mail", s.handleStaffMail, view)
			staff.POST("/p/:slug/mail/pause", s.handleStaffMailPause, edit)
			staff.POST("/p/:slug/mail/resume", s.handleStaffMailResume, edit)
		}
	}
}

// getMethods are answered by every readable route: monitors and link checkers
// send HEAD. net/http sends a HEAD the headers of the GET (the length too,
// when the handler wrote the whole body into its buffer) and drops the body.
var getMethods = []string{http.MethodGet, http.MethodHead}

// get registers a route for GET and HEAD.
func (s *Server) get(path string, h echo.HandlerFunc) { s.e.Match(getMethods, path, h) }

// apiPrefix is where Config.API is mounted.
const apiPrefix = "/api/v1"

func (s *Server) isAPI(c echo.Context) bool {
	return s.api != nil && strings.HasPrefix(c.Request().URL.Path, apiPrefix+"/")
}
