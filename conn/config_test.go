package conn

import "testing"

func TestConfigDefaults(t *testing.T) {
	c := Config{}.WithDefaults()
	if c.Loops < 1 || c.ReadBufferSize != DefaultReadBufferSize || c.WriteHighWater != DefaultWriteHighWater ||
		c.MaxInput != DefaultMaxInput || c.KeepAlive != DefaultKeepAlive || c.Logger == nil {
		t.Errorf("defaults not applied: %+v", c)
	}
	if c := (Config{KeepAlive: -1, Loops: 3}).WithDefaults(); c.KeepAlive != -1 || c.Loops != 3 {
		t.Errorf("explicit values changed: %+v", c)
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
