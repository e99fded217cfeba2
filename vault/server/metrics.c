/* metrics.c — Prometheus counters: requests by route and status, a latency
 * histogram, authentication failures, rate-limited answers, fetched bundles,
 * connections and requests in flight. Lock-free: relaxed atomics. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int statuses[] = { 200, 201, 204, 400, 401, 403, 404, 405, 408, 409, 413, 414,
				415, 429, 431, 499, 500, 503 };
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]))
static const double buckets[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
				  0.25, 0.5, 1, 2.5 };
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))

struct metrics {
	size_t nroutes;
	atomic_ulong *requests;          /* [(nroutes + 1) * NSTATUS]; last row: unrouted */
	atomic_ulong latency[NBUCKETS + 1];
	atomic_ulong latency_us_sum;
	atomic_ulong auth_failures, rate_limited, bundles_fetched;
};

struct metrics *
metrics_new(size_t n)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->nroutes = n;
	if ((m->requests = calloc((n + 1) * NSTATUS, sizeof(*m->requests))) == NULL) {
		free(m);
		return NULL;
	}
	return m;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	free(m->requests);
	free(m);
}

static size_t
status_index(int status)
{
	size_t i;

	for (i = 0; i < NSTATUS; i++)
		if (statuses[i] == status)
			return i;
	return NSTATUS - 2;  /* counted as 500: an answer we did not plan for */
}

void
metrics_count(struct metrics *m, int route_index, int status, double seconds)
{
	size_t row = route_index < 0 ? m->nroutes : (size_t)route_index, b;

	atomic_fetch_add_explicit(&m->requests[row * NSTATUS + status_index(status)], 1,
				  memory_order_relaxed);
	for (b = 0; b < NBUCKETS && seconds > buckets[b]; b++)
		;
	atomic_fetch_add_explicit(&m->latency[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->latency_us_sum, (unsigned long)(seconds * 1e6),
				  memory_order_relaxed);
}

void
metrics_auth_failure(struct metrics *m)
{
	atomic_fetch_add_explicit(&m->auth_failures, 1, memory_order_relaxed);
}

void
metrics_rate_limited(struct metrics *m)
{
	atomic_fetch_add_explicit(&m->rate_limited, 1, memory_order_relaxed);
}

void
metrics_fetched(struct metrics *m, size_t n)
{
	atomic_fetch_add_explicit(&m->bundles_fetched, n, memory_order_relaxed);
}

/* A growing text buffer; on allocation failure it stays NULL. */
struct text {
	char *p;
	size_t len, cap;
};

static void
put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	char *grown;
	int n;

	if (t->p == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= t->cap - t->len) {
		t->cap = 2 * t->cap + (size_t)n;
		if ((grown = realloc(t->p, t->cap)) == NULL) {
			free(t->p);
			t->p = NULL;
			return;
		}
		t->p = grown;
		va_start(ap, fmt);
		n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
	}
	if (n > 0)
		t->len += (size_t)n;
}

static void
render_requests(struct metrics *m, struct text *t)
{
	size_t r, s;
	unsigned long v;

	put(t, "# HELP modal_vault_requests_total Requests answered, by route and status.\n"
	       "# TYPE modal_vault_requests_total counter\n");
	for (r = 0; r <= m->nroutes; r++)
		for (s = 0; s < NSTATUS; s++) {
			v = atomic_load_explicit(&m->requests[r * NSTATUS + s], memory_order_relaxed);
			if (v == 0)
				continue;
			put(t, "modal_vault_requests_total{method=\"%s\",route=\"%s\",status=\"%d\"} %lu\n",
			    r < m->nroutes ? routes[r].method : "",
			    r < m->nroutes ? routes[r].pattern : "unrouted", statuses[s], v);
		}
}

static void
render_latency(struct metrics *m, struct text *t)
{
	unsigned long total = 0;
	size_t b;

	put(t, "# HELP modal_vault_request_duration_seconds Time from request to answer.\n"
	       "# TYPE modal_vault_request_duration_seconds histogram\n");
	for (b = 0; b < NBUCKETS; b++) {
		total += atomic_load_explicit(&m->latency[b], memory_order_relaxed);
		put(t, "modal_vault_request_duration_seconds_bucket{le=\"%g\"} %lu\n", buckets[b], total);
	}
	total += atomic_load_explicit(&m->latency[NBUCKETS], memory_order_relaxed);
	put(t, "modal_vault_request_duration_seconds_bucket{le=\"+Inf\"} %lu\n"
	       "modal_vault_request_duration_seconds_sum %.6f\n"
	       "modal_vault_request_duration_seconds_count %lu\n",
	    total, (double)atomic_load(&m->latency_us_sum) / 1e6, total);
}

char *
metrics_render(struct server *s, size_t *len)
{
	struct metrics *m = s->metrics;
	struct text t = { malloc(4096), 0, 4096 };

	render_requests(m, &t);
	render_latency(m, &t);
	put(&t, "# HELP modal_vault_auth_failures_total Failed authentications.\n"
		"# TYPE modal_vault_auth_failures_total counter\n"
		"modal_vault_auth_failures_total %lu\n"
		"# HELP modal_vault_rate_limited_total Requests refused for too many failed authentications.\n"
		"# TYPE modal_vault_rate_limited_total counter\n"
		"modal_vault_rate_limited_total %lu\n"
		"# HELP modal_vault_bundles_fetched_total Secret bundles sealed to launchers.\n"
		"# TYPE modal_vault_bundles_fetched_total counter\n"
		"modal_vault_bundles_fetched_total %lu\n"
		"# HELP modal_vault_connections Open connections.\n"
		"# TYPE modal_vault_connections gauge\n"
		"modal_vault_connections %d\n"
		"# HELP modal_vault_requests_in_flight Requests being answered.\n"
		"# TYPE modal_vault_requests_in_flight gauge\n"
		"modal_vault_requests_in_flight %d\n"
		"# HELP modal_vault_start_time_seconds When the server started.\n"
		"# TYPE modal_vault_start_time_seconds gauge\n"
		"modal_vault_start_time_seconds %lld\n",
	    atomic_load(&m->auth_failures), atomic_load(&m->rate_limited),
	    atomic_load(&m->bundles_fetched), atomic_load(&s->connections),
	    atomic_load(&s->in_flight), (long long)s->started);
	*len = t.len;
	return t.p;
}
