package invite_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"
	"github.com/emersion/go-smtp"

	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/invite"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// EnvChecker names the libical checker of invitation calendars
// (.ci/libical/imip.c), which .ci/run builds; without it the calendars are
// still parsed by emersion/go-ical.
const EnvChecker = "PLANNER_IMIP_CHECKER"

// --- a real SMTP server -------------------------------------------------

// received is one message the server accepted.
type received struct {
	from string
	to   []string
	data []byte
}

// mailServer is an SMTP server (emersion/go-smtp) on a local port, with
// STARTTLS on a certificate of its own. It can refuse recipients for good,
// and it can go down and come back on the same port.
type mailServer struct {
	t      *testing.T
	addr   string
	tls    *tls.Config
	client *tls.Config

	mu      sync.Mutex
	srv     *smtp.Server
	l       net.Listener
	got     []received
	refuse  string // a recipient refused with 550
	tempErr bool   // every recipient refused with 451
}

func startMailServer(t *testing.T) *mailServer {
	t.Helper()
	serverTLS, clientTLS := selfSigned(t)
	m := &mailServer{t: t, tls: serverTLS, client: clientTLS}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.addr = l.Addr().String()
	m.serve(l)
	t.Cleanup(m.stop)
	return m
}

func (m *mailServer) serve(l net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{m: m}, nil }))
	srv.Domain = "localhost"
	srv.TLSConfig = m.tls
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	m.mu.Lock()
	m.srv, m.l = srv, l
	m.mu.Unlock()
	go func() { _ = srv.Serve(l) }()
}

// stop takes the server down: connections are refused until start. It
// closes the listener itself: srv.Close closes only the listeners Serve
// has taken, and the goroutine running Serve may not have started yet, to
// go on accepting afterwards.
func (m *mailServer) stop() {
	m.mu.Lock()
	srv, l := m.srv, m.l
	m.srv, m.l = nil, nil
	m.mu.Unlock()
	if l != nil {
		_ = l.Close()
	}
	if srv != nil {
		_ = srv.Close()
	}
}

// start brings the server back on its port.
func (m *mailServer) start() {
	m.t.Helper()
	l, err := net.Listen("tcp", m.addr)
	if err != nil {
		m.t.Fatal(err)
	}
	m.serve(l)
}

func (m *mailServer) messages() []received {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]received(nil), m.got...)
}

func (m *mailServer) config() invite.Config {
	host, port, _ := net.SplitHostPort(m.addr)
	var n int
	fmt.Sscan(port, &n)
	return invite.Config{Host: host, Port: n, From: "planner@example.org", TLS: m.client}
}

type session struct {
	m    *mailServer
	from string
	to   []string
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if s.m.tempErr {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	}
	if to == s.m.refuse {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox here"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.m.mu.Lock()
	s.m.got = append(s.m.got, received{from: s.from, to: s.to, data: data})
	s.m.mu.Unlock()
	return nil
}

// selfSigned makes a certificate for 127.0.0.1, and a client configuration
// that trusts it.
func selfSigned(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool}
}

// --- reading messages back ----------------------------------------------

// invitation is a received message, taken apart.
type invitation struct {
	to, subject string
	text, html  string
	// calendars are the text/calendar parts by METHOD, as raw bytes and parsed.
	raw    map[string][]byte
	parsed map[string]*goical.Calendar
}

func parseMessage(t *testing.T, r received) invitation {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(r.data))
	if err != nil {
		t.Fatalf("message: %v", err)
	}
	inv := invitation{to: strings.Join(r.to, ","), raw: map[string][]byte{}, parsed: map[string]*goical.Calendar{}}
	dec := new(mime.WordDecoder)
	inv.subject, _ = dec.DecodeHeader(msg.Header.Get("Subject"))
	walkPart(t, &inv, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	return inv
}

func walkPart(t *testing.T, inv *invitation, contentType, encoding string, body io.Reader) {
	t.Helper()
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		t.Fatalf("Content-Type %q: %v", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			walkPart(t, inv, part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part)
		}
	}
	data := decodeBody(t, encoding, body)
	switch mediaType {
	case "text/plain":
		inv.text = string(data)
	case "text/html":
		inv.html = string(data)
	case "text/calendar":
		method := params["method"]
		cal, err := goical.NewDecoder(bytes.NewReader(data)).Decode()
		if err != nil {
			t.Fatalf("go-ical cannot parse the %s calendar: %v\n%s", method, err, data)
		}
		if got := cal.Props.Get(goical.PropMethod); got == nil || got.Value != method {
			t.Errorf("the part says method=%s, the calendar %v", method, got)
		}
		if params["charset"] != "UTF-8" {
			t.Errorf("calendar charset %q, want UTF-8", params["charset"])
		}
		inv.raw[method] = data
		inv.parsed[method] = cal
		checkWithLibical(t, data)
	}
}

func decodeBody(t *testing.T, encoding string, r io.Reader) []byte {
	t.Helper()
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// checkWithLibical runs libical's checker on a calendar when .ci/run built it.
func checkWithLibical(t *testing.T, data []byte) {
	t.Helper()
	checker := os.Getenv(EnvChecker)
	if checker == "" {
		return
	}
	file := filepath.Join(t.TempDir(), "invitation.ics")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(checker, file).CombinedOutput()
	if err != nil {
		t.Errorf("libical refuses the calendar: %v\n%s\n%s", err, out, data)
	}
}

// events maps the UIDs of a parsed calendar to their SEQUENCE.
func events(t *testing.T, cal *goical.Calendar) map[string]int {
	t.Helper()
	out := map[string]int{}
	if cal == nil {
		return out
	}
	for _, ev := range cal.Events() {
		uid, err := ev.Props.Text(goical.PropUID)
		if err != nil {
			t.Fatal(err)
		}
		seq := 0
		if p := ev.Props.Get(goical.PropSequence); p != nil {
			fmt.Sscan(p.Value, &seq)
		}
		out[uid] = seq
	}
	return out
}

// --- the programme --------------------------------------------------------

// agenda is the knobs of the test programme.
type agenda struct {
	busAt        string // the bus back to the hotel, local time on 6 Nov
	reception    string // the reception's status
	townHallAna  bool   // ana is in the Town Hall's audience
	meetingTitle string
	briefing     string // the briefing's status
	extraPeople  int    // people n00, n01… who get mail, for the two-worker test
}

func baseAgenda() agenda {
	return agenda{busAt: "17:00", reception: "confirmed", townHallAna: true, meetingTitle: "Briefing", briefing: "confirmed"}
}

func (a agenda) file(t *testing.T) *programme.Programme {
	t.Helper()
	people := []map[string]any{
		{"key": "ana", "name": "Ana Díaz", "role": "government", "delegation": "mx",
			"email": "ana@example.org", "calendar_by_email": true},
		{"key": "bob", "name": "Bob", "role": "government", "delegation": "mx", "email": "bob@example.org"},
	}
	for i := range a.extraPeople {
		people = append(people, map[string]any{"key": fmt.Sprintf("n%02d", i), "name": fmt.Sprintf("N %d", i),
			"role": "government", "delegation": "mx", "email": fmt.Sprintf("n%02d@example.org", i),
			"calendar_by_email": true})
	}
	townHall := []string{}
	if a.townHallAna {
		townHall = append(townHall, "ana")
	}
	doc := map[string]any{
		"format": "delegation-programme/v1",
		"programme": map[string]any{"slug": "visit", "title": "Study visit", "organizer": "CLDP",
			"organizer_email": "events@example.org", "time_zone": "America/New_York",
			"starts_on": "2016-11-06", "ends_on": "2016-11-07"},
		"venues":      []map[string]any{{"key": "hq", "name": "Headquarters", "address": "1 Main St"}},
		"delegations": []map[string]any{{"key": "mx", "name": "Mexico", "country": "MX"}},
		"people":      people,
		"sessions": []map[string]any{
			{"key": "briefing", "title": a.meetingTitle, "kind": "briefing", "venue": "hq", "status": a.briefing,
				"starts_at": "2016-11-06T09:00", "ends_at": "2016-11-06T10:00",
				"audience": map[string]any{"delegations": []string{"mx"}}},
			{"key": "townhall", "title": "Town Hall", "kind": "meeting", "venue": "hq",
				"starts_at": "2016-11-06T11:00", "ends_at": "2016-11-06T12:00",
				"audience": map[string]any{"people": townHall}},
			{"key": "reception", "title": "U.S. reception", "kind": "reception", "venue": "hq",
				"starts_at": "2016-11-06T18:00", "ends_at": "2016-11-06T20:00", "status": a.reception,
				"audience": map[string]any{"delegations": []string{"mx"}}},
		},
		"transport": []map[string]any{
			{"key": "bus-back", "kind": "bus", "title": "Bus back to the hotel", "departs_at": "2016-11-06T" + a.busAt,
				"from": "hq", "to": "Hotel", "riders": map[string]any{"delegations": []string{"mx"}}},
		},
	}
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := exchange.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return p
}

// --- the fixture ----------------------------------------------------------

const mergeDelay = 30 * time.Second

type fixture struct {
	t      *testing.T
	clock  *storetest.Clock
	url    string
	store  *store.Store
	server *mailServer
	worker *invite.Worker
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, clock: storetest.NewClock(time.Date(2016, 11, 1, 12, 0, 0, 0, time.UTC))}
	f.url = storetest.FreshURL(t)
	f.store = f.open()
	if err := f.store.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.server = startMailServer(t)
	f.worker = f.newWorker(f.store, "w1")
	return f
}

func (f *fixture) open() *store.Store {
	s := storetest.OpenURL(f.t, f.url, store.WithNow(f.clock.Now), store.WithMailMergeDelay(mergeDelay))
	return s
}

func (f *fixture) newWorker(s *store.Store, name string) *invite.Worker {
	return &invite.Worker{Store: s, Sender: invite.NewSMTP(f.server.config()), Config: f.server.config(),
		Name: name, Now: f.clock.Now,
		PageURL: func(_ context.Context, slug, person string) (string, error) {
			return "https://planner.example.org/a/page-of-" + person, nil
		}}
}

func (f *fixture) importAgenda(a agenda) {
	f.t.Helper()
	if _, err := f.store.Import(f.t.Context(), a.file(f.t), store.ImportOptions{}); err != nil {
		f.t.Fatalf("import: %v", err)
	}
}

// drain runs the worker until nothing is due.
func (f *fixture) drain() {
	f.t.Helper()
	for range 100 {
		worked, err := f.worker.RunOnce(f.t.Context())
		if err != nil {
			f.t.Fatalf("worker: %v", err)
		}
		if !worked {
			return
		}
	}
	f.t.Fatal("the worker never ran out of work")
}

// next returns the messages received since the last call.
func (f *fixture) next(seen *int) []invitation {
	f.t.Helper()
	all := f.server.messages()
	var out []invitation
	for _, r := range all[*seen:] {
		out = append(out, parseMessage(f.t, r))
	}
	*seen = len(all)
	return out
}

// feedUIDs maps ana's feed UIDs to their SEQUENCE, as her feed has them now.
func (f *fixture) feedUIDs() map[string]programme.Entry {
	f.t.Helper()
	p, err := f.store.Programme(f.t.Context(), "visit")
	if err != nil {
		f.t.Fatal(err)
	}
	entries, err := p.FeedEntries(programme.FeedPerson, "ana", f.clock.Now())
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string]programme.Entry{}
	for _, e := range entries {
		out[programme.UID("visit", e.ID)] = e
	}
	return out
}

func (f *fixture) uidOf(id string) string { return programme.UID("visit", id) }

func only(t *testing.T, msgs []invitation, what string) invitation {
	t.Helper()
	if len(msgs) != 1 {
		t.Fatalf("%s: %d messages, want 1", what, len(msgs))
	}
	return msgs[0]
}
