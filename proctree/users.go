package proctree

import (
	"os/user"
	"strconv"
)

// userNames turns uids into user names and remembers them. Looking a name
// up reads /etc/passwd (or asks NSS) every time, far too slow to do for
// every process on every poll, and a machine has few distinct uids. The
// zero value is ready to use; it is not safe for concurrent use.
type userNames struct {
	byUID map[int]string
}

// name is the user name for uid, or the number itself when no user has
// that uid (a container's uid, a deleted account); "" for a negative uid.
func (u *userNames) name(uid int) string {
	if uid < 0 {
		return ""
	}
	if n, ok := u.byUID[uid]; ok {
		return n
	}
	n := strconv.Itoa(uid)
	if usr, err := user.LookupId(n); err == nil && usr.Username != "" {
		n = usr.Username
	}
	if u.byUID == nil {
		u.byUID = make(map[int]string)
	}
	u.byUID[uid] = n
	return n
}
