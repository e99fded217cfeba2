/* audit.c — the server's audit trail: workers hand each request's record to
 * one writer thread, which appends them to the store in batches. A record
 * costs a worker a queue slot, not a disk sync: the writer commits everything
 * queued meanwhile in one transaction (synchronous=FULL: a committed batch
 * survives power loss, SPEC 7), so one sync serves many records. A full
 * queue makes workers wait, so under any load no record is dropped; SIGTERM
 * writes out what is queued. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define AUDIT_QUEUE 4096
/* Records per transaction: a disk sync costs milliseconds here, so a batch
 * this size lets one writer keep up with ~100,000 records a second. */
#define AUDIT_BATCH 512
/* A busy writer commits at most once per this many milliseconds: each
 * commit's disk sync costs the CPU ~80 µs of kernel work however few
 * records it carries, so commits back to back took a sixth of a busy
 * server's CPU. Records still reach the disk within a few milliseconds of
 * their answer. */
#define AUDIT_PACE_MS 5

struct audit_queue {
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full, no_workers, written_cv;
	atomic_int workers_writing;      /* workers inside a store write */
	atomic_int writer_waiting;       /* the writer waits for them (under mu) */
	struct vault_audit_record *ring;
	size_t head, count;
	uint64_t submitted, written;     /* records ever queued, ever written */
	int stopping;
	struct timespec last_commit;     /* CLOCK_MONOTONIC, when the last batch was taken */
	pthread_t writer;
	int writer_started;
	struct server *srv;
	struct vault *v;                 /* the writer's own store connection */
};

/* Workers' store writes go first. SQLite hands its write lock to whoever
 * asks while it is free; a writer committing back to back leaves a worker's
 * busy handler asleep between tries for seconds. So the writer starts no
 * commit while a worker is in a store write (a token's last use, a secret
 * change): such a worker waits at most for the commit under way. Every
 * request passes here, so a worker takes the lock only when the writer is
 * waiting for it: the writer sets writer_waiting before it looks at the
 * count, a worker lowers the count before it looks at writer_waiting, so
 * one of them always sees the other (sequentially consistent atomics). */
void
audit_yield_begin(struct audit_queue *q)
{
	atomic_fetch_add(&q->workers_writing, 1);
}

void
audit_yield_end(struct audit_queue *q)
{
	if (atomic_fetch_sub(&q->workers_writing, 1) == 1 && atomic_load(&q->writer_waiting)) {
		pthread_mutex_lock(&q->mu);
		pthread_cond_signal(&q->no_workers);
		pthread_mutex_unlock(&q->mu);
	}
}

/* from + ms (the condition variables wait on CLOCK_MONOTONIC). */
struct timespec
timespec_after_ms(struct timespec from, long ms)
{
	from.tv_nsec += ms * 1000 * 1000;
	from.tv_sec += from.tv_nsec / 1000000000L;
	from.tv_nsec %= 1000000000L;
	return from;
}

static void
wait_for_workers(struct audit_queue *q)
{
	struct timespec now, until;

	if (atomic_load(&q->workers_writing) == 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	until = timespec_after_ms(now, 2);
	pthread_mutex_lock(&q->mu);
	atomic_store(&q->writer_waiting, 1);
	while (atomic_load(&q->workers_writing) > 0 &&
	       pthread_cond_timedwait(&q->no_workers, &q->mu, &until) == 0)
		;
	atomic_store(&q->writer_waiting, 0);
	pthread_mutex_unlock(&q->mu);
}

/* One transaction for the whole batch: one commit, one disk sync, however
 * many records (group commit). Should it fail, each record gets a try of its
 * own, so one the store refuses does not take the others with it. */
static void
append_batch(struct audit_queue *q, const struct vault_audit_record *recs, size_t n)
{
	struct mr_err e;
	size_t i;

	wait_for_workers(q);
	if (vault_audit_append_batch(q->v, recs, n, &e) == 0)
		return;
	log_line(MR_LOG_ERR, "audit: a batch of %zu record(s) failed (%s): writing them one by one", n, e.msg);
	for (i = 0; i < n; i++) {
		wait_for_workers(q);
		if (vault_audit_append(q->v, &recs[i], &e) != 0)
			log_line(MR_LOG_ERR, "audit: record %s %s not written: %s", recs[i].action,
				 recs[i].resource, e.msg);
	}
}

/* The oldest queued records, up to AUDIT_BATCH of them and not past the end
 * of the ring: waiting while there are none, then, unless a batch is full,
 * until AUDIT_PACE_MS after the last commit; 0 when stopping with nothing
 * left. They stay queued (their slots taken) until release: the writer
 * reads them in place while workers fill the slots after them. */
static size_t
take(struct audit_queue *q, size_t *first)
{
	struct timespec until = timespec_after_ms(q->last_commit, AUDIT_PACE_MS);
	size_t n;

	pthread_mutex_lock(&q->mu);
	while (q->count == 0 && !q->stopping)
		pthread_cond_wait(&q->not_empty, &q->mu);
	while (q->count < AUDIT_BATCH && !q->stopping &&
	       pthread_cond_timedwait(&q->not_empty, &q->mu, &until) == 0)
		;
	clock_gettime(CLOCK_MONOTONIC, &q->last_commit);
	n = q->count;
	if (n > AUDIT_QUEUE - q->head)
		n = AUDIT_QUEUE - q->head;
	if (n > AUDIT_BATCH)
		n = AUDIT_BATCH;
	*first = q->head;
	pthread_mutex_unlock(&q->mu);
	return n;
}

static void
release(struct audit_queue *q, size_t n)
{
	pthread_mutex_lock(&q->mu);
	q->head = (q->head + n) % AUDIT_QUEUE;
	q->count -= n;
	q->written += n;
	pthread_cond_broadcast(&q->not_full);
	pthread_cond_broadcast(&q->written_cv);
	pthread_mutex_unlock(&q->mu);
}

static void *
writer_main(void *arg)
{
	struct audit_queue *q = arg;
	size_t first, n;

	while ((n = take(q, &first)) > 0) {
		append_batch(q, &q->ring[first], n);
		release(q, n);
	}
	return NULL;
}

struct audit_queue *
audit_start(struct server *s, struct mr_err *e)
{
	struct audit_queue *q = calloc(1, sizeof(*q));
	pthread_condattr_t monotonic;

	if (q == NULL || (q->ring = calloc(AUDIT_QUEUE, sizeof(*q->ring))) == NULL) {
		free(q);
		mr_fail(e, MR_E_INTERNAL, "out of memory");
		return NULL;
	}
	pthread_condattr_init(&monotonic);
	pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->not_empty, &monotonic);
	pthread_cond_init(&q->not_full, NULL);
	pthread_cond_init(&q->no_workers, &monotonic);
	pthread_cond_init(&q->written_cv, &monotonic);
	pthread_condattr_destroy(&monotonic);
	q->srv = s;
	if (vault_open(s->store_url, &q->v, e) != 0 ||
	    pthread_create(&q->writer, NULL, writer_main, q) != 0) {
		if (q->v != NULL)
			mr_fail(e, MR_E_INTERNAL, "cannot start the audit writer");
		audit_stop(q);
		return NULL;
	}
	q->writer_started = 1;
	return q;
}

void
audit_submit(struct audit_queue *q, const struct vault_audit_record *r)
{
	pthread_mutex_lock(&q->mu);
	while (q->count == AUDIT_QUEUE)
		pthread_cond_wait(&q->not_full, &q->mu);
	q->ring[(q->head + q->count) % AUDIT_QUEUE] = *r;
	q->count++;
	q->submitted++;
	/* The writer waits for a first record, then for a full batch: wake
	 * it for those two only, not once a record. */
	if (q->count == 1 || q->count == AUDIT_BATCH)
		pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->mu);
}

/* Read-your-writes for the audit log: every request answered before this
 * one had its record queued before its answer went out, so waiting until
 * the writer has written what is queued now makes a reader see them all.
 * Bounded: a store that cannot write does not hang readers (they get what
 * is there, and the writer's failures are in the log). */
void
audit_settle(struct audit_queue *q)
{
	struct timespec now, until;
	uint64_t target;

	clock_gettime(CLOCK_MONOTONIC, &now);
	until = timespec_after_ms(now, 2000);
	pthread_mutex_lock(&q->mu);
	target = q->submitted;
	while (q->written < target &&
	       pthread_cond_timedwait(&q->written_cv, &q->mu, &until) == 0)
		;
	pthread_mutex_unlock(&q->mu);
}

/* After the workers have stopped: writes out what is queued, then ends. */
void
audit_stop(struct audit_queue *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->mu);
	q->stopping = 1;
	pthread_cond_broadcast(&q->not_empty);
	pthread_mutex_unlock(&q->mu);
	if (q->writer_started)
		pthread_join(q->writer, NULL);
	vault_close(q->v);
	pthread_cond_destroy(&q->written_cv);
	pthread_cond_destroy(&q->no_workers);
	pthread_cond_destroy(&q->not_full);
	pthread_cond_destroy(&q->not_empty);
	pthread_mutex_destroy(&q->mu);
	free(q->ring);
	free(q);
}
