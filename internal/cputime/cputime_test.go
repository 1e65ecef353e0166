package cputime

import "testing"

// TestSecondsCountsWork: spinning for a while adds CPU time, about as much as it took.
func TestSecondsCountsWork(t *testing.T) {
	c0 := Seconds()
	x := 1.0
	for i := range 50_000_000 {
		x = x*1.0000001 + float64(i&1)
	}
	d := Seconds() - c0
	if d <= 0.005 || d > 30 {
		t.Fatalf("spin of 50M multiply-adds took %g CPU seconds (x=%g)", d, x)
	}
}
