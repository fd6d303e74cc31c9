package console

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// userSettings is the users' page: the brand's members and the form that
// adds one.
type userSettings struct {
	Members []*memberView
	Email   string // the add form, as typed (never the password)
	Name    string
	Roles   []option
	Errors  map[string]string // by form field: email, name, role, password
}

// memberView is a user of the brand with the forms that change them.
type memberView struct {
	ID       int64
	Email    string
	Name     string
	Role     trail.Role
	Roles    []option
	JoinedAt time.Time
	Disabled bool
	Self     bool // the admin looking: they change neither their role nor their membership here
	Error    string
}

func roleOptions(selected trail.Role) []option {
	var out []option
	for _, r := range trail.Roles {
		out = append(out, option{string(r), trail.RoleNames[r], r == selected})
	}
	return out
}

// handleUserSettings lists the brand's users.
func (s *Server) handleUserSettings(w http.ResponseWriter, r *http.Request, v *visit) error {
	return s.renderUsers(w, r, v, http.StatusOK, &settingsPage{}, nil, 0, "")
}

// renderUsers renders the users' page into sp; form, if not nil, is a
// failed add form; rowErr is shown at the member with ID rowID.
func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, v *visit, status int, sp *settingsPage, form *userSettings, rowID int64, rowErr string) error {
	members, err := s.users.Members(r.Context(), v.Brand.ID)
	if err != nil {
		return fmt.Errorf("settings users: %w", err)
	}
	us := form
	if us == nil {
		us = &userSettings{Roles: roleOptions(trail.RoleAgent), Errors: map[string]string{}}
	}
	for _, m := range members {
		mv := &memberView{ID: m.User.ID, Email: m.User.Email, Name: m.User.Name, Role: m.Role, Roles: roleOptions(m.Role),
			JoinedAt: m.JoinedAt, Disabled: m.User.DisabledAt != nil, Self: m.User.ID == v.User.ID}
		if mv.ID == rowID {
			mv.Error = rowErr
		}
		us.Members = append(us.Members, mv)
	}
	sp.Section, sp.Users = "users", us
	return s.renderSettings(w, r, v, status, "settings_users", "人员与角色", sp)
}

// handleUserCreate adds a user to the brand: a new account with an
// initial password the admin sets or one made here and shown once, or,
// for an address that has an account already, a role in this brand
// without touching its password.
func (s *Server) handleUserCreate(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	u := &trail.User{Email: r.PostFormValue("email"), Name: r.PostFormValue("name")}
	u.Normalize()
	role := trail.Role(r.PostFormValue("role"))
	password := r.PostFormValue("password")
	form := &userSettings{Email: u.Email, Name: u.Name, Roles: roleOptions(role), Errors: map[string]string{}}
	if err := u.Validate(); err != nil {
		if fieldOf(err) == "name" {
			form.Errors["name"] = "姓名最多 64 个字符。"
		} else {
			form.Errors["email"] = "请输入有效的邮箱地址，例如 kefu@example.com。"
		}
	}
	if !role.Valid() {
		form.Errors["role"] = "请选择角色。"
	}
	generated := password == ""
	if !generated && trail.ValidatePassword(password) != nil {
		form.Errors["password"] = fmt.Sprintf("密码需 %d 到 %d 个字符；留空则自动生成。", trail.MinPasswordLen, trail.MaxPasswordLen)
	}
	failed := func(status int) error { return s.renderUsers(w, r, v, status, &settingsPage{}, form, 0, "") }
	if len(form.Errors) > 0 {
		return failed(http.StatusUnprocessableEntity)
	}

	existing, _, err := s.users.UserByEmail(ctx, u.Email)
	switch {
	case err == nil:
		// An account of another brand, or of none: give it a role here.
		// Its password is its own and stays as it is.
		if _, err := s.users.Membership(ctx, existing.ID, v.Brand.ID); err == nil {
			form.Errors["email"] = "该用户已是本品牌成员，可在下方列表中修改其角色。"
			return failed(http.StatusConflict)
		} else if trail.ErrorCode(err) != trail.ENOTFOUND {
			return fmt.Errorf("settings user create: %w", err)
		}
		if _, err := s.users.PutMembership(ctx, existing.ID, v.Brand.ID, role); err != nil {
			return fmt.Errorf("settings user create: %w", err)
		}
		if err := s.recordSetting(ctx, v, trail.AuditMembership, trail.AuditTarget("user", existing.Email),
			"加入本品牌，角色 "+trail.RoleNames[role]+"（已有账号，密码未更改）"); err != nil {
			return fmt.Errorf("settings user create: %w", err)
		}
		settingsSaved(w, r, "/console/settings/users", "user_added", "")
		return nil
	case trail.ErrorCode(err) != trail.ENOTFOUND:
		return fmt.Errorf("settings user create: %w", err)
	}

	if generated {
		password = newInitialPassword()
	}
	hash, err := HashPasswordWith(password, s.settings.password)
	if err != nil {
		return fmt.Errorf("settings user create: %w", err)
	}
	if err := s.users.CreateUser(ctx, u, hash); trail.ErrorCode(err) == trail.ECONFLICT {
		form.Errors["email"] = "该邮箱刚刚被注册，请刷新后重试。"
		return failed(http.StatusConflict)
	} else if err != nil {
		return fmt.Errorf("settings user create: %w", err)
	}
	if _, err := s.users.PutMembership(ctx, u.ID, v.Brand.ID, role); err != nil {
		return fmt.Errorf("settings user create: %w", err)
	}
	how := "管理员设置"
	if generated {
		how = "自动生成，已向管理员显示一次"
	}
	if err := s.recordSetting(ctx, v, trail.AuditUserCreate, trail.AuditTarget("user", u.Email),
		"角色 "+trail.RoleNames[role]+"；初始密码"+how+"（不记录）"); err != nil {
		return fmt.Errorf("settings user create: %w", err)
	}
	if !generated {
		settingsSaved(w, r, "/console/settings/users", "user_created", "")
		return nil
	}
	return s.renderUsers(w, r, v, http.StatusOK, &settingsPage{Secret: &shownSecret{
		Heading: "账号已创建",
		Label:   u.Email + " 的初始密码",
		Value:   password,
		Note:    "请通过安全的渠道告知对方。此密码只显示这一次，离开本页后无法再次查看。",
	}}, nil, 0, "")
}

// newInitialPassword returns a random password of 26 letters and digits
// (about 130 bits).
func newInitialPassword() string { return rand.Text() }

// member returns a user of the brand by the route's {id}; anyone who is
// not a member is errNotFound.
func (s *Server) member(r *http.Request, v *visit) (*trail.User, *trail.Membership, error) {
	ctx := r.Context()
	id, ok := pathID(r)
	if !ok {
		return nil, nil, errNotFound
	}
	// The membership first: another brand's user is not looked up at all.
	m, err := s.users.Membership(ctx, id, v.Brand.ID)
	if trail.ErrorCode(err) == trail.ENOTFOUND {
		return nil, nil, errNotFound
	} else if err != nil {
		return nil, nil, fmt.Errorf("settings member: %w", err)
	}
	u, err := s.users.User(ctx, id)
	if err != nil {
		return nil, nil, fmt.Errorf("settings member: %w", err)
	}
	return u, m, nil
}

// handleUserRole changes a member's role; never one's own, and never the
// brand's last admin's.
func (s *Server) handleUserRole(w http.ResponseWriter, r *http.Request, v *visit) error {
	u, m, err := s.member(r, v)
	if err != nil {
		return err
	}
	role := trail.Role(r.PostFormValue("role"))
	fail := func(status int, msg string) error {
		return s.renderUsers(w, r, v, status, &settingsPage{}, nil, u.ID, msg)
	}
	switch {
	case u.ID == v.User.ID:
		return fail(http.StatusConflict, "不能修改自己的角色，请另一位管理员操作。")
	case !role.Valid():
		return fail(http.StatusUnprocessableEntity, "请选择角色。")
	case role == m.Role:
		settingsSaved(w, r, "/console/settings/users", "role", "")
		return nil
	}
	err = s.users.ChangeRole(r.Context(), v.Brand.ID, u.ID, role)
	switch trail.ErrorCode(err) {
	case "":
	case trail.ENOTFOUND:
		return errNotFound
	case trail.ECONFLICT:
		return fail(http.StatusConflict, "品牌至少需要一位管理员：请先把另一位成员设为管理员。")
	default:
		return fmt.Errorf("settings user role: %w", err)
	}
	if err := s.recordSetting(r.Context(), v, trail.AuditMembership, trail.AuditTarget("user", u.Email),
		"角色 "+trail.RoleNames[m.Role]+" → "+trail.RoleNames[role]); err != nil {
		return fmt.Errorf("settings user role: %w", err)
	}
	settingsSaved(w, r, "/console/settings/users", "role", "")
	return nil
}

// handleUserRemove takes a member out of the brand; never oneself, and
// never the brand's last admin. The account stays, with its other brands.
func (s *Server) handleUserRemove(w http.ResponseWriter, r *http.Request, v *visit) error {
	u, m, err := s.member(r, v)
	if err != nil {
		return err
	}
	if u.ID == v.User.ID {
		return s.renderUsers(w, r, v, http.StatusConflict, &settingsPage{}, nil, u.ID, "不能将自己移出品牌，请另一位管理员操作。")
	}
	err = s.users.RemoveMember(r.Context(), v.Brand.ID, u.ID)
	switch trail.ErrorCode(err) {
	case "":
	case trail.ENOTFOUND:
		return errNotFound
	case trail.ECONFLICT:
		return s.renderUsers(w, r, v, http.StatusConflict, &settingsPage{}, nil, u.ID, "品牌至少需要一位管理员：请先把另一位成员设为管理员。")
	default:
		return fmt.Errorf("settings user remove: %w", err)
	}
	if err := s.recordSetting(r.Context(), v, trail.AuditMemberRemove, trail.AuditTarget("user", u.Email),
		"移出本品牌（原角色 "+trail.RoleNames[m.Role]+"）"); err != nil {
		return fmt.Errorf("settings user remove: %w", err)
	}
	settingsSaved(w, r, "/console/settings/users", "removed", "")
	return nil
}
