package main

import (
	"context"
	"errors"
	"sync"
)

// errBusy reports a full queue: the client is told BUSY rather than the
// queue growing without bound.
var errBusy = errors.New("jobs: queue full")

// job is one piece of submitted work.
type job struct {
	id   uint64
	arg  []byte // owned by the job (copied from the connection's input)
	done bool
	out  string
	// watchers are told of completion; completion happens once, after
	// which the list is dropped.
	watchers []func(id uint64, result string)
}

// pool runs jobs on a fixed number of worker goroutines, off the event
// loops, fed by a bounded queue. Finished jobs are remembered, up to
// retain of them, so that STATUS works after completion.
type pool struct {
	work  func(arg []byte) string
	queue chan *job
	// maxWatchers bounds the watchers of one job, so a job everyone
	// watches cannot make its worker push for ever.
	maxWatchers int

	mu       sync.Mutex
	next     uint64
	jobs     map[uint64]*job
	finished []uint64 // ids of finished jobs, oldest first
	retain   int
}

func newPool(queue, retain, rounds int) *pool {
	return &pool{
		work:   func(arg []byte) string { return hashWork(arg, rounds) },
		queue:  make(chan *job, queue),
		jobs:   make(map[uint64]*job),
		retain: retain,

		maxWatchers: defaultMaxWatchers,
	}
}

// run starts the workers and returns when ctx is done and they have
// stopped. Queued jobs not yet started are abandoned.
func (p *pool) run(ctx context.Context, workers int) {
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case j := <-p.queue:
					p.finish(j, p.work(j.arg))
				}
			}
		})
	}
	wg.Wait()
}

// submit queues arg as a new job and returns its id, without blocking:
// errBusy when the queue is full.
func (p *pool) submit(arg []byte) (uint64, error) {
	p.mu.Lock()
	p.next++
	j := &job{id: p.next, arg: append([]byte(nil), arg...)}
	select {
	case p.queue <- j:
		p.jobs[j.id] = j
		p.mu.Unlock()
		return j.id, nil
	default:
		p.next-- // ids stay dense: the refused job never existed
		p.mu.Unlock()
		return 0, errBusy
	}
}

// status reports whether job id exists and, if it has finished, its result.
func (p *pool) status(id uint64) (known, done bool, result string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	j, ok := p.jobs[id]
	if !ok {
		return false, false, ""
	}
	return true, j.done, j.out
}

// defaultMaxWatchers is the watchers one job takes by default.
const defaultMaxWatchers = 4096

// watch arranges for notify to be called once job id finishes, from the
// worker that finished it, or reports the result now if it already has:
// errBusy if the job has maxWatchers already.
func (p *pool) watch(id uint64, notify func(id uint64, result string)) (known, done bool, result string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	j, ok := p.jobs[id]
	switch {
	case !ok:
		return false, false, "", nil
	case j.done:
		return true, true, j.out, nil
	case len(j.watchers) >= p.maxWatchers:
		return true, false, "", errBusy
	}
	j.watchers = append(j.watchers, notify)
	return true, false, "", nil
}

// finish records the result of j and tells its watchers, outside the lock.
func (p *pool) finish(j *job, result string) {
	p.mu.Lock()
	j.done, j.out, j.arg = true, result, nil
	watchers := j.watchers
	j.watchers = nil
	p.finished = append(p.finished, j.id)
	if len(p.finished) > p.retain {
		delete(p.jobs, p.finished[0])
		p.finished = p.finished[1:]
	}
	p.mu.Unlock()
	for _, w := range watchers {
		w(j.id, result)
	}
}
