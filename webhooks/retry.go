package webhooks

import (
	"math/rand/v2"
	"time"

	"github.com/wagate/wagate/engines"
)

// Retry policies, as WAHA names them.
const (
	PolicyConstant    = "constant"
	PolicyLinear      = "linear"
	PolicyExponential = "exponential"
)

// backoff is how long to wait after the n-th failed attempt (n from 1) under r, in
// units of unit (a second, outside tests), capped at max. As in WAHA: constant
// waits delay every time, linear delay×n, exponential delay×2^(n-1) with ±20 %
// jitter so receivers coming back are not hit by every queue at once.
func backoff(r engines.RetriesConfig, n int, unit, max time.Duration, rnd func() float64) time.Duration {
	base := time.Duration(r.DelaySeconds) * unit
	var d time.Duration
	switch r.Policy {
	case PolicyLinear:
		d = base * time.Duration(n)
	case PolicyExponential:
		d = base << min(n-1, 32)
		d = time.Duration(float64(d) * (0.8 + 0.4*rnd()))
	default:
		d = base
	}
	if d > max || d < 0 {
		d = max
	}
	return d
}

func jitter() float64 { return rand.Float64() }
