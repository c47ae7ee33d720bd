package conn

import (
	"os"
	"sync"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// stderrLogger is the logger of a Config without one: warnings and errors,
// in zap's console format, to standard error. A server that recovers a
// handler's panic must say so somewhere, with the stack, even when its
// author set up no logging; the level keeps routine events out.
var stderrLogger = sync.OnceValue(func() *zap.Logger {
	enc := zap.NewDevelopmentEncoderConfig()
	enc.EncodeLevel = zapcore.CapitalLevelEncoder
	core := zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.Lock(os.Stderr), zapcore.WarnLevel)
	return zap.New(stackCore{core})
})

// stackCore prints a field named "stack" (the engines attach one to a
// recovered panic) as the entry's stack trace: on lines of its own after
// the message, as a Go panic reads, instead of escaped inside the fields.
type stackCore struct{ zapcore.Core }

func (c stackCore) With(fields []zapcore.Field) zapcore.Core {
	return stackCore{c.Core.With(fields)}
}

func (c stackCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c stackCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	for i, f := range fields {
		if f.Key == "stack" && f.Type == zapcore.StringType {
			e.Stack = f.String
			fields = append(fields[:i:i], fields[i+1:]...)
			break
		}
	}
	return c.Core.Write(e, fields)
}
