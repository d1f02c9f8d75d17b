package pgcluster

import "syscall"

// serverProcAttr runs the server as cred (nil: as ourselves) in its own process group, so
// that a terminal's Ctrl-C goes to newsdesk, which stops the server after draining its
// workers, and asks the kernel to send the server SIGINT (a fast shutdown) when newsdesk
// dies, rather than leave it running unowned. That signal fires when the thread that
// forked the server exits, which is why start keeps that thread for the server's life.
func serverProcAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred, Setpgid: true, Pdeathsig: syscall.SIGINT}
}
