//go:build unix && !linux

package pgcluster

import "syscall"

// serverProcAttr runs the server as cred (nil: as ourselves) in its own process group, so
// that a terminal's Ctrl-C goes to newsdesk, which stops the server after draining its
// workers. Without Linux's parent-death signal, a server whose newsdesk was killed keeps
// running; the next Start waits for it and then reports ErrAlreadyRunning.
func serverProcAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred, Setpgid: true}
}
