package sqlstore

import (
	"context"
	"fmt"

	"github.com/bottletrail/bottletrail/internal/trail"
)

var _ trail.UserService = (*DB)(nil)

// CreateUser implements trail.UserService.
func (db *DB) CreateUser(ctx context.Context, u *trail.User, passwordHash string) error {
	if err := u.Validate(); err != nil {
		return err
	}
	if passwordHash == "" {
		return fmt.Errorf("create user %s: empty password hash", u.Email)
	}
	err := db.transact(ctx, func(tx *Tx) error {
		u.CreatedAt = tx.now
		err := tx.queryRow(ctx, `INSERT INTO users (email, name, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			u.Email, u.Name, passwordHash, tx.t(tx.now), tx.t(tx.now)).Scan(&u.ID)
		if tx.d.IsUniqueViolation(err) {
			return &trail.Error{Code: trail.ECONFLICT, Field: "email", Message: fmt.Sprintf("用户 %s 已存在 / user %s already exists", u.Email, u.Email)}
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	return nil
}

const userColumns = `id, email, name, disabled_at, created_at`

func scanUser(sc interface{ Scan(...any) error }, extra ...any) (*trail.User, error) {
	u := &trail.User{}
	dst := append([]any{&u.ID, &u.Email, &u.Name, scanNullTime(&u.DisabledAt), scanTime(&u.CreatedAt)}, extra...)
	if err := sc.Scan(dst...); err != nil {
		return nil, err
	}
	return u, nil
}

// UserByEmail implements trail.UserService.
func (db *DB) UserByEmail(ctx context.Context, email string) (*trail.User, string, error) {
	var hash string
	row := db.read.QueryRowContext(ctx, db.d.Rebind(`SELECT `+userColumns+`, password_hash FROM users WHERE email = ?`), trail.NormalizeEmail(email))
	u, err := scanUser(row, &hash)
	if err != nil {
		return nil, "", db.mapError(fmt.Errorf("find user by email: %w", err))
	}
	return u, hash, nil
}

// User implements trail.UserService.
func (db *DB) User(ctx context.Context, id int64) (*trail.User, error) {
	row := db.read.QueryRowContext(ctx, db.d.Rebind(`SELECT `+userColumns+` FROM users WHERE id = ?`), id)
	u, err := scanUser(row)
	if err != nil {
		return nil, db.mapError(fmt.Errorf("find user %d: %w", id, err))
	}
	return u, nil
}

// SetPassword implements trail.UserService.
func (db *DB) SetPassword(ctx context.Context, userID int64, passwordHash string) error {
	if passwordHash == "" {
		return fmt.Errorf("set password of user %d: empty password hash", userID)
	}
	err := db.transact(ctx, func(tx *Tx) error {
		var id int64
		return tx.queryRow(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ? RETURNING id`,
			passwordHash, tx.t(tx.now), userID).Scan(&id)
	})
	if err != nil {
		return fmt.Errorf("set password of user %d: %w", userID, err)
	}
	return nil
}

// PutMembership implements trail.UserService.
func (db *DB) PutMembership(ctx context.Context, userID, brandID int64, role trail.Role) (created bool, err error) {
	if !role.Valid() {
		return false, trail.Invalid("role", "unknown role %s (admin, agent or viewer)", trail.Quote(role))
	}
	err = db.transact(ctx, func(tx *Tx) error {
		var n int
		if err := tx.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM users WHERE id = ?) + (SELECT COUNT(*) FROM brands WHERE id = ?)`,
			userID, brandID).Scan(&n); err != nil {
			return err
		}
		if n != 2 {
			return trail.Errorf(trail.ENOTFOUND, "no such user or brand")
		}
		res, err := tx.exec(ctx, `UPDATE memberships SET role = ?, updated_at = ? WHERE user_id = ? AND brand_id = ?`,
			string(role), tx.t(tx.now), userID, brandID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		created = true
		_, err = tx.exec(ctx, `INSERT INTO memberships (user_id, brand_id, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
			userID, brandID, string(role), tx.t(tx.now), tx.t(tx.now))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("put membership of user %d in brand %d: %w", userID, brandID, err)
	}
	return created, nil
}

const membershipQuery = `SELECT m.user_id, m.role, m.created_at, b.id, b.slug, b.name, b.created_at
	FROM memberships m JOIN brands b ON b.id = m.brand_id`

func scanMembership(sc interface{ Scan(...any) error }) (*trail.Membership, error) {
	m := &trail.Membership{}
	var role string
	if err := sc.Scan(&m.UserID, &role, scanTime(&m.CreatedAt), &m.Brand.ID, &m.Brand.Slug, &m.Brand.Name, scanTime(&m.Brand.CreatedAt)); err != nil {
		return nil, err
	}
	m.Role = trail.Role(role)
	return m, nil
}

// Membership implements trail.UserService.
func (db *DB) Membership(ctx context.Context, userID, brandID int64) (*trail.Membership, error) {
	m, err := scanMembership(db.read.QueryRowContext(ctx, db.d.Rebind(membershipQuery+` WHERE m.user_id = ? AND m.brand_id = ?`), userID, brandID))
	if err != nil {
		return nil, db.mapError(fmt.Errorf("membership of user %d in brand %d: %w", userID, brandID, err))
	}
	return m, nil
}

// Memberships implements trail.UserService.
func (db *DB) Memberships(ctx context.Context, userID int64) ([]*trail.Membership, error) {
	rows, err := db.read.QueryContext(ctx, db.d.Rebind(membershipQuery+` WHERE m.user_id = ? ORDER BY b.name, b.id`), userID)
	if err != nil {
		return nil, fmt.Errorf("memberships of user %d: %w", userID, err)
	}
	var out []*trail.Membership
	err = eachRow(rows, func() error {
		m, err := scanMembership(rows)
		out = append(out, m)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("memberships of user %d: %w", userID, err)
	}
	return out, nil
}

// Members implements trail.UserService.
func (db *DB) Members(ctx context.Context, brandID int64) ([]*trail.Member, error) {
	rows, err := db.read.QueryContext(ctx, db.d.Rebind(`SELECT u.id, u.email, u.name, u.disabled_at, u.created_at, m.role, m.created_at
		FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.brand_id = ? ORDER BY u.email`), brandID)
	if err != nil {
		return nil, fmt.Errorf("members of brand %d: %w", brandID, err)
	}
	var out []*trail.Member
	err = eachRow(rows, func() error {
		var role string
		m := &trail.Member{}
		u, err := scanUser(rows, &role, scanTime(&m.JoinedAt))
		if err != nil {
			return err
		}
		m.User, m.Role = *u, trail.Role(role)
		out = append(out, m)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("members of brand %d: %w", brandID, err)
	}
	return out, nil
}

// lockMember locks the brand, so that concurrent changes of its admins
// count one another, and returns the user's role in it.
func lockMember(ctx context.Context, tx *Tx, brandID, userID int64) (trail.Role, error) {
	var id int64
	if err := tx.queryRow(ctx, `SELECT id FROM brands WHERE id = ?`+tx.d.ForUpdate, brandID).Scan(&id); err != nil {
		return "", err
	}
	var role string
	if err := tx.queryRow(ctx, `SELECT role FROM memberships WHERE brand_id = ? AND user_id = ?`, brandID, userID).Scan(&role); err != nil {
		return "", err
	}
	return trail.Role(role), nil
}

// otherAdmins counts the brand's admins other than the user whose accounts
// are enabled.
func otherAdmins(ctx context.Context, tx *Tx, brandID, userID int64) (int, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.brand_id = ? AND m.role = 'admin' AND m.user_id <> ? AND u.disabled_at IS NULL`, brandID, userID).Scan(&n)
	return n, err
}

// errLastAdmin refuses a change that would leave a brand without an admin.
var errLastAdmin = &trail.Error{Code: trail.ECONFLICT, Field: "role",
	Message: "品牌至少需要一位管理员 / the brand's last admin cannot be removed or demoted; make another user admin first"}

// ChangeRole implements trail.UserService.
func (db *DB) ChangeRole(ctx context.Context, brandID, userID int64, role trail.Role) error {
	if !role.Valid() {
		return trail.Invalid("role", "unknown role %s (admin, agent or viewer)", trail.Quote(role))
	}
	err := db.transact(ctx, func(tx *Tx) error {
		old, err := lockMember(ctx, tx, brandID, userID)
		if err != nil {
			return err
		}
		if old == trail.RoleAdmin && role != trail.RoleAdmin {
			if n, err := otherAdmins(ctx, tx, brandID, userID); err != nil {
				return err
			} else if n == 0 {
				return errLastAdmin
			}
		}
		_, err = tx.exec(ctx, `UPDATE memberships SET role = ?, updated_at = ? WHERE user_id = ? AND brand_id = ?`,
			string(role), tx.t(tx.now), userID, brandID)
		return err
	})
	if err != nil {
		return fmt.Errorf("change role of user %d in brand %d: %w", userID, brandID, err)
	}
	return nil
}

// RemoveMember implements trail.UserService.
func (db *DB) RemoveMember(ctx context.Context, brandID, userID int64) error {
	err := db.transact(ctx, func(tx *Tx) error {
		role, err := lockMember(ctx, tx, brandID, userID)
		if err != nil {
			return err
		}
		if role == trail.RoleAdmin {
			if n, err := otherAdmins(ctx, tx, brandID, userID); err != nil {
				return err
			} else if n == 0 {
				return errLastAdmin
			}
		}
		if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND brand_id = ?`, userID, brandID); err != nil {
			return err
		}
		_, err = tx.exec(ctx, `DELETE FROM memberships WHERE user_id = ? AND brand_id = ?`, userID, brandID)
		return err
	})
	if err != nil {
		return fmt.Errorf("remove user %d from brand %d: %w", userID, brandID, err)
	}
	return nil
}
