package conn

import (
	"net/netip"
	"testing"
	"time"
)

func TestConfigDefaults(t *testing.T) {
	c := Config{}.WithDefaults()
	if c.Loops < 1 || c.ReadBufferSize != DefaultReadBufferSize || c.WriteHighWater != DefaultWriteHighWater ||
		c.MaxInput != DefaultMaxInput || c.KeepAlive != DefaultKeepAlive || c.Logger == nil {
		t.Errorf("defaults not applied: %+v", c)
	}
	if c := (Config{KeepAlive: -1, Loops: 3}).WithDefaults(); c.KeepAlive != -1 || c.Loops != 3 {
		t.Errorf("explicit values changed: %+v", c)
	}
	if p := c.ProxyProtocol; p.Require || p.Trusted != nil || p.HeaderTimeout != 0 {
		t.Errorf("PROXY protocol defaults applied while it is off: %+v", p)
	}
	p := (Config{ProxyProtocol: ProxyProtocol{Require: true}}).WithDefaults().ProxyProtocol
	if len(p.Trusted) != 2 || p.Trusted[0].String() != "127.0.0.0/8" || p.Trusted[1].String() != "::1/128" ||
		p.HeaderTimeout != DefaultProxyHeaderTimeout {
		t.Errorf("PROXY protocol defaults not applied: %+v", p)
	}
	p = (Config{ProxyProtocol: ProxyProtocol{Require: true, Trusted: []netip.Prefix{}, HeaderTimeout: time.Second}}).WithDefaults().ProxyProtocol
	if p.Trusted == nil || len(p.Trusted) != 0 || p.HeaderTimeout != time.Second {
		t.Errorf("explicit PROXY protocol values changed: %+v", p)
	}
}
func TestEngineFlag(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Engine
		wantErr bool
	}{
		{in: "reactor", want: EngineReactor},
		{in: "proactor", want: EngineProactor},
		{in: "goroutine", want: EngineGoroutine},
		{in: "auto", want: EngineAuto},
		{in: "epoll", wantErr: true},
	} {
		var e Engine
		err := e.Set(tc.in)
		if (err != nil) != tc.wantErr || e != tc.want {
			t.Errorf("Set(%q) = %v, %v; want %v, error %v", tc.in, e, err, tc.want, tc.wantErr)
		}
		if err == nil && e.String() != tc.in {
			t.Errorf("String() = %q after Set(%q)", e.String(), tc.in)
		}
	}
}
