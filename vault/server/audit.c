/* audit.c — the server's audit trail: workers hand each request's record to
 * one writer thread, which appends them to the store in batches. A record
 * costs a worker a queue slot, not a disk sync: every append is a committed
 * transaction (fsync'ed: SPEC 7), and one writer taking what has queued up
 * meanwhile turns many syncs into one. A full queue makes workers wait, so
 * under any load no record is dropped; SIGTERM writes out what is queued. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define AUDIT_QUEUE 4096
#define AUDIT_BATCH 32

struct audit_queue {
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full, no_workers;
	int workers_writing;             /* workers inside a store write */
	struct vault_audit_record *ring;
	size_t head, count;
	int stopping;
	pthread_t writer;
	int writer_started;
	struct server *srv;
	struct vault *v;                 /* the writer's own store connection */
};

/* Workers' store writes go first. SQLite hands its write lock to whoever
 * asks while it is free; a writer committing back to back leaves a worker's
 * busy handler asleep between tries for seconds. So the writer starts no
 * commit while a worker is in a store write (a token's last use, a secret
 * change): such a worker waits at most for the commit under way. */
void
audit_yield_begin(struct audit_queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->workers_writing++;
	pthread_mutex_unlock(&q->mu);
}

void
audit_yield_end(struct audit_queue *q)
{
	pthread_mutex_lock(&q->mu);
	if (--q->workers_writing == 0)
		pthread_cond_signal(&q->no_workers);
	pthread_mutex_unlock(&q->mu);
}

static void
wait_for_workers(struct audit_queue *q)
{
	struct timespec until;

	pthread_mutex_lock(&q->mu);
	if (q->workers_writing > 0) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 2 * 1000 * 1000;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (q->workers_writing > 0 &&
		       pthread_cond_timedwait(&q->no_workers, &q->mu, &until) == 0)
			;
	}
	pthread_mutex_unlock(&q->mu);
}

/* The store appends one record per call (one commit each); the workers get
 * their turn between any two. */
static int
append_batch(struct audit_queue *q, const struct vault_audit_record *recs, size_t n,
	     struct mr_err *e)
{
	size_t i;

	for (i = 0; i < n; i++) {
		wait_for_workers(q);
		if (vault_audit_append(q->v, &recs[i], e) != 0)
			return -1;
	}
	return 0;
}

/* Takes up to max records off the queue, waiting while it is empty; 0 when
 * stopping with nothing left. */
static size_t
take(struct audit_queue *q, struct vault_audit_record *out, size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&q->mu);
	while (q->count == 0 && !q->stopping)
		pthread_cond_wait(&q->not_empty, &q->mu);
	while (n < max && q->count > 0) {
		out[n++] = q->ring[q->head];
		q->head = (q->head + 1) % AUDIT_QUEUE;
		q->count--;
	}
	pthread_cond_broadcast(&q->not_full);
	pthread_mutex_unlock(&q->mu);
	return n;
}

static void *
writer_main(void *arg)
{
	struct audit_queue *q = arg;
	struct vault_audit_record *batch = calloc(AUDIT_BATCH, sizeof(*batch));
	struct mr_err e;
	size_t n;

	while (batch != NULL && (n = take(q, batch, AUDIT_BATCH)) > 0)
		if (append_batch(q, batch, n, &e) != 0)
			log_line("audit: %zu record(s) not written: %s", n, e.msg);
	free(batch);
	return NULL;
}

struct audit_queue *
audit_start(struct server *s, struct mr_err *e)
{
	struct audit_queue *q = calloc(1, sizeof(*q));

	if (q == NULL || (q->ring = calloc(AUDIT_QUEUE, sizeof(*q->ring))) == NULL) {
		free(q);
		mr_fail(e, MR_E_INTERNAL, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->not_empty, NULL);
	pthread_cond_init(&q->not_full, NULL);
	pthread_cond_init(&q->no_workers, NULL);
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
	pthread_cond_signal(&q->not_empty);
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
	pthread_cond_destroy(&q->no_workers);
	pthread_cond_destroy(&q->not_full);
	pthread_cond_destroy(&q->not_empty);
	pthread_mutex_destroy(&q->mu);
	free(q->ring);
	free(q);
}
