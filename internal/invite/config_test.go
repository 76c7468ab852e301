package invite_test

import (
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/invite"
	"github.com/planner-dev/planner/internal/programme"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		url, from string
		want      invite.Config
		err       string
	}{
		{"smtp://ann:s3cret@mail.example.org", "p@example.org",
			invite.Config{Host: "mail.example.org", Port: 587, Username: "ann", Password: "s3cret", From: "p@example.org"}, ""},
		{"smtps://mail.example.org", "p@example.org",
			invite.Config{Host: "mail.example.org", Port: 465, Implicit: true, From: "p@example.org"}, ""},
		{"smtp://mail.example.org:2525", "p@example.org",
			invite.Config{Host: "mail.example.org", Port: 2525, From: "p@example.org"}, ""},
		{"mail.example.org:587", "p@example.org", invite.Config{}, "must be a URL such as smtp://"},
		{"http://mail.example.org", "p@example.org", invite.Config{}, "must start with smtp://"},
		{"smtp://ann:s3cret@mail.example.org:99999", "p@example.org", invite.Config{}, "invalid port"},
		{"smtp://mail.example.org", "", invite.Config{}, "PLANNER_MAIL_FROM is required"},
		{"smtp://mail.example.org", "Planner <p@example.org>", invite.Config{}, "is not an e-mail address"},
	}
	for _, tt := range tests {
		got, err := invite.ParseConfig(tt.url, tt.from)
		if tt.err != "" {
			if programme.ErrorCode(err) != programme.EINVALID || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error %v, want EINVALID with %q", tt.url, err, tt.err)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("%s: the error shows the password", tt.url)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: %+v, %v; want %+v", tt.url, got, err, tt.want)
		}
	}
	if _, on, err := invite.ConfigFromEnv(func(string) string { return "" }); on || err != nil {
		t.Errorf("no PLANNER_SMTP_URL: on %v, err %v", on, err)
	}
}
