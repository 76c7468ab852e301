// Command smtpsink is an SMTP server (emersion/go-smtp) for load and fault
// scripts: it accepts every message over STARTTLS, on a certificate of its
// own for 127.0.0.1, and stores each one as a file in a directory, so that a
// script can count and read what the planner sent.
//
//	smtpsink -dir DIR -cert CERT.pem [-addr 127.0.0.1:0]
//
// It writes its certificate (PEM) to CERT.pem, for the client to trust
// (SSL_CERT_FILE=CERT.pem for a Go program), prints "listening on ADDR" once
// it accepts connections, and stores message number n as DIR/n.eml (written
// to a temporary name and renamed, so that a reader never sees half a
// message), with the envelope in "X-Sink-From" and "X-Sink-To" header lines
// before the message. It stops on SIGINT or SIGTERM.
//
// A library server rather than a hand-written one: the planner's invitation
// tests already use go-smtp as their real server, and SMTP with STARTTLS is
// more than a sink should get wrong.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	dir := flag.String("dir", "", "directory the messages are stored in (required)")
	certOut := flag.String("cert", "", "file the server's certificate is written to, PEM (required)")
	flag.Parse()
	if *dir == "" || *certOut == "" {
		log.Fatal("smtpsink: -dir and -cert are required")
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatal(err)
	}
	cfg, err := selfSigned(*certOut)
	if err != nil {
		log.Fatal(err)
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	b := &backend{dir: *dir}
	srv := smtp.NewServer(b)
	srv.Domain = "localhost"
	srv.TLSConfig = cfg
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	srv.MaxMessageBytes = 16 << 20
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sig
		_ = srv.Close()
	}()
	fmt.Printf("listening on %s\n", l.Addr())
	if err := srv.Serve(l); err != nil && err != smtp.ErrServerClosed {
		log.Fatal(err)
	}
}

// selfSigned makes a certificate for 127.0.0.1 and localhost, writes it to
// path and returns the server's TLS configuration.
func selfSigned(path string) (*tls.Config, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "smtpsink"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		MinVersion: tls.VersionTLS12}, nil
}

type backend struct {
	dir string
	n   atomic.Int64
}

func (b *backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{b: b}, nil }

type session struct {
	b    *backend
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
	s.to = append(s.to, to)
	return nil
}

// Data stores the message; it is acknowledged only once it is on disk.
func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	n := s.b.n.Add(1)
	name := filepath.Join(s.b.dir, fmt.Sprintf("%06d.eml", n))
	head := "X-Sink-From: " + s.from + "\r\nX-Sink-To: " + strings.Join(s.to, ", ") + "\r\n"
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, append([]byte(head), data...), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}
