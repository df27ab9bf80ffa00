package main

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// progress counts events and, when stderr is a terminal, redraws a progress
// line once a second while the input is being read.
type progress struct {
	events atomic.Int64
	quit   chan struct{}
	once   sync.Once
	wg     sync.WaitGroup
}

func newProgress(stderr io.Writer) *progress {
	p := &progress{quit: make(chan struct{})}
	if !isTerminal(stderr) {
		return p
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		start := time.Now()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		drew := false
		for {
			select {
			case <-p.quit:
				if drew {
					fmt.Fprint(stderr, "\r\033[K")
				}
				return
			case now := <-t.C:
				n := p.events.Load()
				fmt.Fprintf(stderr, "\r\033[Kpidfdsig scan: %d events read (%.0f/s)", n, float64(n)/now.Sub(start).Seconds())
				drew = true
			}
		}
	}()
	return p
}

func (p *progress) tick()      { p.events.Add(1) }
func (p *progress) count() int { return int(p.events.Load()) }
func (p *progress) stop()      { p.once.Do(func() { close(p.quit); p.wg.Wait() }) }
