// Package socket opens the listening sockets netloop's engines share and
// sets the options of accepted connections. It knows nothing of event
// loops: engines get plain non-blocking file descriptors.
//
// It is Linux only (SO_REUSEPORT spreading, accept4 flags, the options'
// Linux names), like the engines that use it; elsewhere it is empty.
package socket
