package socket

import (
	"fmt"
	"strconv"
	"strings"
)

// This file builds on every system: a parent process names the listeners
// it hands over wherever it runs; only Linux engines take them.

// EnvListenFDs is the environment variable with which a netloop process
// hands its listening sockets to a child: the child's descriptor numbers,
// separated by commas ("3,4,5"), as exec.Cmd.ExtraFiles places them.
const EnvListenFDs = "NETLOOP_LISTEN_FDS"

// listenFDsStart is the first descriptor systemd passes.
const listenFDsStart = 3

// HandoverEnv returns the EnvListenFDs setting for a child whose
// exec.Cmd.ExtraFiles begins with n listeners: descriptors 3 to 3+n-1.
func HandoverEnv(n int) string {
	fds := make([]string, n)
	for i := range fds {
		fds[i] = strconv.Itoa(listenFDsStart + i)
	}
	return fmt.Sprintf("%s=%s", EnvListenFDs, strings.Join(fds, ","))
}
