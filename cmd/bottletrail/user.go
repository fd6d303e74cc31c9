package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/bottletrail/bottletrail/internal/console"
	"github.com/bottletrail/bottletrail/internal/ratelimit"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// stdin is where `user create` reads a password not given as a flag; tests
// replace it.
var stdin io.Reader = os.Stdin

// userCmd runs `bottletrail user create|grant`.
func (m *Main) userCmd(ctx context.Context, args []string) error {
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprint(m.Stdout, usage)
		return nil
	}
	if len(args) > 0 {
		switch args[0] {
		case "create":
			return m.userCreate(ctx, args[1:])
		case "grant":
			return m.userGrant(ctx, args[1:])
		}
	}
	fmt.Fprint(m.Stderr, usage)
	return errors.New("user: the subcommands are create and grant")
}

// userFlags are the flags shared by the user subcommands.
type userFlags struct {
	storeFlags
	brand, email, role string
}

func (uf *userFlags) register(fs *flag.FlagSet) {
	uf.storeFlags.register(fs)
	fs.StringVar(&uf.brand, "brand", "", "the slug of the brand the user works for")
	fs.StringVar(&uf.email, "email", "", "the user's e-mail address, with which they sign in")
	fs.StringVar(&uf.role, "role", "", "the user's role in the brand: admin, agent or viewer")
}

// check validates the shared flags and returns the normalised user.
func (uf *userFlags) check() (*trail.User, trail.Role, error) {
	role := trail.Role(uf.role)
	if !role.Valid() {
		return nil, "", fmt.Errorf("--role %q: want admin, agent or viewer", uf.role)
	}
	if uf.brand == "" {
		return nil, "", errors.New("--brand is required: the slug of the brand")
	}
	u := &trail.User{Email: uf.email}
	u.Normalize()
	if err := u.Validate(); err != nil {
		return nil, "", fmt.Errorf("--email: %s", trail.ErrorMessage(err))
	}
	return u, role, nil
}

// userCreate creates an operator account with a role in one brand: the
// first admin of a brand, typically. The password comes from --password
// or, without it, from the first line of standard input.
func (m *Main) userCreate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	var uf userFlags
	uf.register(fs)
	name := fs.String("name", "", "the user's display name (optional)")
	password := fs.String("password", "", "the password (at least 10 characters); omit it to read it from standard input")
	if err := fs.Parse(args); err != nil {
		return err
	}
	u, role, err := uf.check()
	if err != nil {
		return err
	}
	u.Name = strings.TrimSpace(*name)
	if err := u.Validate(); err != nil {
		return errors.New(trail.ErrorMessage(err))
	}
	pw := *password
	if pw == "" {
		if pw, err = readPassword(stdin); err != nil {
			return err
		}
	}
	hash, err := console.HashPassword(pw)
	if err != nil {
		return errors.New(trail.ErrorMessage(err))
	}
	b, err := m.open(ctx, uf.storeFlags, m.logger())
	if err != nil {
		return err
	}
	defer b.Close()
	brand, err := b.BrandBySlug(ctx, uf.brand)
	if trail.ErrorCode(err) == trail.ENOTFOUND {
		return fmt.Errorf("no brand %q: create it with `bottletrail brand create`", uf.brand)
	} else if err != nil {
		return err
	}
	if err := b.sql.CreateUser(ctx, u, hash); trail.ErrorCode(err) == trail.ECONFLICT {
		return fmt.Errorf("user %s already exists; give them a role in another brand with `bottletrail user grant`", u.Email)
	} else if err != nil {
		return userError(err)
	}
	if _, err := b.sql.PutMembership(ctx, u.ID, brand.ID, role); err != nil {
		return userError(err)
	}
	if err := b.sql.RecordAudit(ctx, &trail.AuditEntry{BrandID: brand.ID, Actor: "cli", Action: trail.AuditUserCreate,
		Target: trail.AuditTarget("user", u.Email), Reason: "role " + string(role)}); err != nil {
		return err
	}
	return m.printUser(u.Email, brand.Slug, role)
}

// userGrant gives an existing user a role in a brand, or changes it.
func (m *Main) userGrant(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("user grant", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	var uf userFlags
	uf.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	u, role, err := uf.check()
	if err != nil {
		return err
	}
	b, err := m.open(ctx, uf.storeFlags, m.logger())
	if err != nil {
		return err
	}
	defer b.Close()
	brand, err := b.BrandBySlug(ctx, uf.brand)
	if trail.ErrorCode(err) == trail.ENOTFOUND {
		return fmt.Errorf("no brand %q", uf.brand)
	} else if err != nil {
		return err
	}
	stored, _, err := b.sql.UserByEmail(ctx, u.Email)
	if trail.ErrorCode(err) == trail.ENOTFOUND {
		return fmt.Errorf("no user %s: create them with `bottletrail user create`", u.Email)
	} else if err != nil {
		return err
	}
	if _, err := b.sql.PutMembership(ctx, stored.ID, brand.ID, role); err != nil {
		return userError(err)
	}
	if err := b.sql.RecordAudit(ctx, &trail.AuditEntry{BrandID: brand.ID, Actor: "cli", Action: trail.AuditMembership,
		Target: trail.AuditTarget("user", stored.Email), Reason: "role " + string(role)}); err != nil {
		return err
	}
	return m.printUser(stored.Email, brand.Slug, role)
}

func (m *Main) printUser(email, brand string, role trail.Role) error {
	return json.NewEncoder(m.Stdout).Encode(map[string]string{"email": email, "brand": brand, "role": string(role)})
}

// userError shows an application error by its message.
func userError(err error) error {
	if trail.ErrorCode(err) != trail.EINTERNAL {
		return errors.New(trail.ErrorMessage(err))
	}
	return err
}

// readPassword reads a password from the first line of r.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from standard input: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("no password: give --password or write it to standard input")
	}
	return pw, nil
}

// newConsole returns the operator console on the backend, its carrier
// accounts, webhooks and notification channel accounts set through
// carriers, webhooks and notify (the backend's, with destinations checked
// by the egress policy). Its session cookie is Secure when the public URL
// is https.
func newConsole(b *backend, carriers trail.CarrierService, webhooks trail.WebhookService, notify trail.NotificationService,
	publicURL, clientIPHeader string, logger *slog.Logger) *console.Server {
	return console.New(console.Config{
		Users: b.sql, Sessions: b.sql, Audit: b.sql, Orders: b, Search: b.sql,
		// The alert inbox and the order page's actions; the settings need
		// Carriers, Alerts, Webhooks and APIKeys together; Brands adds the
		// service contact, Notify the notification settings.
		Alerts: b, Inbox: b.sql, Links: b, Sealer: b.sealer, Tracking: b, Carriers: carriers,
		Webhooks: webhooks, APIKeys: b, Brands: b, Notify: notify,
		Limiter:        ratelimit.New(),
		ClientIPHeader: clientIPHeader,
		PublicURL:      publicURL,
		SecureCookie:   strings.HasPrefix(publicURL, "https://"),
		Logger:         logger.With("component", "console"),
	})
}
