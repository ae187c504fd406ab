/* fuzz_server.c - the in-process API server of the HTTP fuzz targets: a
 * seeded store reset before every request, the real router and handlers,
 * and a small blocking client (see fuzz_server.h). */
#include "fuzz_server.h"

#include "api/api.h"
#include "api/ratelimit.h"
#include "http/http.h"
#include "store/store.h"
#include "taxii/taxii.h"
#include "util/err.h"
#include "util/hash.h"
#include "util/log.h"
#include "util/random.h"
#include "util/timeutil.h"
#include "web/web.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/banned.h"

#define LOGIN_WINDOW_MS (15LL * 60 * 1000)

static struct {
	bool started;
	char dir[256];
	char pristine[320];
	char work[320];
	struct store *store;
	struct api api;
	struct web web;
	struct taxii taxii;
	struct http_server *srv;
	int port;
	/* the last answer as received, and its body */
	char resp[1024 * 1024];
	size_t got;
	char body[1024 * 1024];
} fz;

static void die(const char *what, int r)
{
	fprintf(stderr, "fuzz_server: %s: %s\n", what, r ? kr_strerror(r) : strerror(errno));
	abort();
}

static void check(const char *what, int r)
{
	if (r)
		die(what, r);
}

/* ---- password hashing stand-in ----
 *
 * Argon2id costs tens of milliseconds and 64 MiB per hash by design; every
 * login or password change of a fuzz input would pay it, and a few of them
 * would dominate the run. The fuzz targets test kring's handling of input,
 * not libsodium, so these definitions take the place of libsodium's (the
 * executable's symbols win at link time): an unsalted SHA-256 form that
 * only these two functions produce and accept. Never linked into kring. */
#define FAKE_PREFIX "$fuzz$"

int crypto_pwhash_str_alg(char out[crypto_pwhash_STRBYTES], const char *const passwd,
			  unsigned long long passwdlen, unsigned long long opslimit,
			  size_t memlimit, int alg)
{
	(void)opslimit;
	(void)memlimit;
	(void)alg;
	char hex[65];
	hash_sha256_hex(passwd, (size_t)passwdlen, hex);
	snprintf(out, crypto_pwhash_STRBYTES, "%s%s", FAKE_PREFIX, hex);
	return 0;
}

int crypto_pwhash_str(char out[crypto_pwhash_STRBYTES], const char *const passwd,
		      unsigned long long passwdlen, unsigned long long opslimit, size_t memlimit)
{
	return crypto_pwhash_str_alg(out, passwd, passwdlen, opslimit, memlimit,
				     crypto_pwhash_ALG_DEFAULT);
}

int crypto_pwhash_str_verify(const char *str, const char *const passwd,
			     unsigned long long passwdlen)
{
	char want[crypto_pwhash_STRBYTES];
	if (strncmp(str, FAKE_PREFIX, strlen(FAKE_PREFIX)) != 0)
		return -1; /* a real hash (the dummy of unknown accounts): never matches */
	if (crypto_pwhash_str_alg(want, passwd, passwdlen, 0, 0, 0) != 0)
		return -1;
	return hash_equal_ct(str, want) ? 0 : -1;
}

/* ---- the seeded world ---- */

void fuzz_seed_session(struct store *s, const char *secret, int64_t person_id)
{
	struct store_session ss;
	memset(&ss, 0, sizeof ss);
	hash_sha256_hex(secret, strlen(secret), ss.hash);
	memset(ss.csrf, 'f', 64);
	ss.person_id = person_id;
	ss.created = time_now_ms();
	/* far in the future: a fuzz run may last days */
	ss.expires = ss.created + 3650LL * 24 * 3600 * 1000;
	check("session", store_session_create(s, &ss));
}

void fuzz_seed_token(struct store *s, const char *secret, int64_t person_id, const char *scope)
{
	struct store_token t;
	memset(&t, 0, sizeof t);
	t.person_id = person_id;
	snprintf(t.name, sizeof t.name, "fuzz %s token", scope);
	snprintf(t.scope, sizeof t.scope, "%s", scope);
	hash_sha256_hex(secret, strlen(secret), t.hash);
	snprintf(t.prefix, sizeof t.prefix, "%.12s", secret);
	/* last_used in the future: requests never refresh it, so a request
	 * does not depend on how long ago the store was seeded */
	t.last_used = time_now_ms() + 3650LL * 24 * 3600 * 1000;
	check("token", store_token_create(s, &t));
}

static int64_t add_org(struct store *s, const char *name, enum org_kind kind)
{
	struct core_org o;
	memset(&o, 0, sizeof o);
	snprintf(o.name, sizeof o.name, "%s", name);
	o.kind = kind;
	o.nsectors = 1;
	snprintf(o.sectors[0], sizeof o.sectors[0], "%s", "energy");
	snprintf(o.region, sizeof o.region, "%s", "noord");
	check("org", store_org_create(s, &o));
	return o.id;
}

static int64_t add_person(struct store *s, const char *name, const char *email, int64_t org,
			  bool admin, const char *pw_hash)
{
	struct core_person p;
	memset(&p, 0, sizeof p);
	snprintf(p.name, sizeof p.name, "%s", name);
	snprintf(p.email, sizeof p.email, "%s", email);
	p.org_id = org;
	p.lang = LANG_EN;
	p.is_admin = admin;
	check("person", store_person_create(s, &p, pw_hash));
	return p.id;
}

static int64_t add_report(struct store *s, int64_t community, int64_t org, int64_t author,
			  enum tlp tlp, const char *title, int64_t recipient)
{
	struct core_report rep;
	struct core_indicator ind[2];
	memset(&rep, 0, sizeof rep);
	memset(ind, 0, sizeof ind);
	rep.kind = RK_INCIDENT;
	rep.level = LEVEL_OPERATIONAL;
	rep.tlp = tlp;
	rep.community_id = community;
	rep.source_org_id = org;
	rep.author_id = author;
	snprintf(rep.title, sizeof rep.title, "%s", title);
	rep.body = (char *)"Seen *today*: [advisory](https://example.org/a) and `code`.";
	if (recipient) {
		rep.nrecipient_people = 1;
		rep.recipient_people[0] = recipient;
	}
	ind[0].type = IND_IPV4;
	snprintf(ind[0].value, sizeof ind[0].value, "%s", "198.51.100.7");
	ind[1].type = IND_DOMAIN;
	snprintf(ind[1].value, sizeof ind[1].value, "%s", "bad.example.net");
	int r = store_report_create(s, &rep, ind, 2);
	rep.body = NULL; /* static text: not for core_report_release */
	check("report", r);
	return rep.id;
}

static void seed(struct store *s, struct fuzz_world *w)
{
	char pw_hash[crypto_pwhash_STRBYTES];
	if (crypto_pwhash_str(pw_hash, FUZZ_LOGIN_PASSWORD, strlen(FUZZ_LOGIN_PASSWORD),
			      crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		die("password hash", KR_ENOMEM);

	int64_t ops = add_org(s, "Fuzz Operations", ORG_CSIRT);
	int64_t member = add_org(s, "Fuzz Member BV", ORG_COMPANY);
	int64_t outsider = add_org(s, "Fuzz Outsider NV", ORG_SUPPLIER);
	int64_t admin = add_person(s, "Ada Admin", "ada.admin@ops.example.org", ops, true, "");
	int64_t chair = add_person(s, "Carla Chair", FUZZ_LOGIN_EMAIL, member, false, pw_hash);
	int64_t out_p = add_person(s, "Otto Outsider", "otto.outsider@out.example.org", outsider,
				   false, "");

	struct core_community c;
	memset(&c, 0, sizeof c);
	snprintf(c.name, sizeof c.name, "%s", "Fuzz Sector Community");
	c.kind = COMM_SECTOR;
	c.description = (char *)"A community for the fuzz targets.";
	c.guidelines = (char *)"# Guidelines\n\nShare *carefully*.";
	c.default_tlp = TLP_AMBER;
	int r = store_community_create(s, &c);
	c.description = NULL;
	c.guidelines = NULL;
	check("community", r);

	struct core_membership m = { .community_id = c.id, .org_id = member,
				     .status = MS_MEMBER, .since = time_now_ms() };
	check("membership", store_membership_set(s, &m));
	m.org_id = ops;
	check("membership", store_membership_set(s, &m));
	struct core_representative rep = { .community_id = c.id, .person_id = chair,
					   .org_id = member, .kind = REP_PRIMARY,
					   .role = ROLE_CHAIR };
	check("representative", store_rep_set(s, &rep));
	check("guidelines", store_guidelines_accept(s, c.id, chair, 1));

	int64_t green = add_report(s, c.id, member, chair, TLP_GREEN, "Green report", 0);
	add_report(s, c.id, member, chair, TLP_RED, "Red report", chair);
	add_report(s, c.id, member, chair, TLP_AMBER, "Amber report", 0);

	struct core_comment cm;
	memset(&cm, 0, sizeof cm);
	cm.report_id = green;
	cm.author_id = chair;
	cm.org_id = member;
	cm.tlp = TLP_AMBER;
	cm.body = (char *)"A comment with **emphasis**.";
	r = store_comment_create(s, &cm);
	cm.body = NULL;
	check("comment", r);

	struct core_application app;
	memset(&app, 0, sizeof app);
	app.community_id = c.id;
	app.org_id = outsider;
	app.status = APP_PENDING;
	app.nproposed = 1;
	app.proposed[0] = out_p;
	snprintf(app.motivation, sizeof app.motivation, "%s", "We would like to join.");
	check("application", store_application_create(s, &app));

	fuzz_seed_session(s, FUZZ_SECRET_ADMIN, admin);
	fuzz_seed_session(s, FUZZ_SECRET_CHAIR, chair);
	fuzz_seed_session(s, FUZZ_SECRET_OUTSIDER, out_p);
	fuzz_seed_token(s, FUZZ_SECRET_READ_TOKEN, chair, "read");
	fuzz_seed_token(s, FUZZ_SECRET_WRITE_TOKEN, chair, "write");

	w->community = c.id;
	w->org_ops = ops;
	w->org_member = member;
	w->org_outsider = outsider;
	w->admin = admin;
	w->chair = chair;
	w->outsider = out_p;
}

int64_t fuzz_seed_person(struct store *s, const char *name, const char *email, int64_t org,
			 const char *password)
{
	char pw_hash[crypto_pwhash_STRBYTES] = "";
	if (password && crypto_pwhash_str(pw_hash, password, strlen(password),
					  crypto_pwhash_OPSLIMIT_INTERACTIVE,
					  crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		die("password hash", KR_ENOMEM);
	return add_person(s, name, email, org, false, pw_hash);
}

/* ---- the store copy ---- */

static void copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		die("open pristine store", 0);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0)
		die("create work store", 0);
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n < 0)
			die("read pristine store", 0);
		if (n == 0)
			break;
		if (write(out, buf, (size_t)n) != n)
			die("write work store", 0);
	}
	close(in);
	close(out);
}

static void remove_work_files(void)
{
	char p[400];
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		snprintf(p, sizeof p, "%s%s", fz.work, suffixes[i]);
		unlink(p);
	}
}

/* True when the work store may differ from the seeded copy: every commit
 * appends to the write-ahead log, which is empty right after opening. */
static bool store_changed(void)
{
	char p[400];
	struct stat st;
	if (!fz.store)
		return true;
	snprintf(p, sizeof p, "%s-wal", fz.work);
	return stat(p, &st) != 0 || st.st_size > 0;
}

/* Fresh store and rate limiter: every input starts from the seeded world.
 * Reopening costs milliseconds, so it is done only after a write. */
static void reset(void)
{
	if (store_changed()) {
		if (fz.store)
			store_close(fz.store);
		fz.store = NULL;
		remove_work_files();
		copy_file(fz.pristine, fz.work);
		check("open work store", store_open_sqlite(fz.work, &fz.store));
		fz.api.store = fz.store;
	}
	if (!fz.api.rl || api_ratelimit_size(fz.api.rl) > 0) {
		api_ratelimit_free(fz.api.rl);
		fz.api.rl = NULL;
		check("rate limiter", api_ratelimit_new(0, LOGIN_WINDOW_MS, &fz.api.rl));
	}
}

static void cleanup(void)
{
	char p[400];
	if (fz.srv)
		http_server_free(fz.srv);
	fz.srv = NULL;
	if (fz.store)
		store_close(fz.store);
	fz.store = NULL;
	web_release(&fz.web);
	taxii_release(&fz.taxii);
	api_release(&fz.api);
	remove_work_files();
	unlink(fz.pristine);
	snprintf(p, sizeof p, "%s-wal", fz.pristine);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", fz.pristine);
	unlink(p);
	rmdir(fz.dir);
}

/* A crash ends the process without atexit: the directories of fuzz runs
 * that are gone ("kring-fuzz-<pid>-...", pid no longer running) are
 * removed when the next one starts. */
static void remove_stale(const char *base)
{
	static const char *const files[] = { "pristine.db", "pristine.db-wal", "pristine.db-shm",
					     "work.db",     "work.db-wal",     "work.db-shm",
					     "work.db-journal" };
	DIR *d = opendir(base);
	if (!d)
		return;
	for (;;) {
		const struct dirent *e = readdir(d);
		if (!e)
			break;
		char *end = NULL;
		if (strncmp(e->d_name, "kring-fuzz-", 11) != 0)
			continue;
		long pid = strtol(e->d_name + 11, &end, 10);
		if (pid <= 0 || *end != '-' || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		char p[400];
		for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
			snprintf(p, sizeof p, "%s/%s/%s", base, e->d_name, files[i]);
			unlink(p);
		}
		snprintf(p, sizeof p, "%s/%s", base, e->d_name);
		rmdir(p);
	}
	closedir(d);
}

void fuzz_server_init(void)
{
	fuzz_server_init_with(NULL);
}

void fuzz_server_init_with(fuzz_seed_fn extra)
{
	struct fuzz_world world;
	if (fz.started)
		return;
	fz.started = true;
	/* Errors only: an access line per input would drown the fuzzer's output. */
	log_set_level(LOG_ERROR);
	signal(SIGPIPE, SIG_IGN);
	if (random_init() != 0)
		die("random_init", KR_EIO);

	struct stat st;
	const char *base = stat("/dev/shm", &st) == 0 && access("/dev/shm", W_OK) == 0
				   ? "/dev/shm"
				   : "/tmp";
	remove_stale(base);
	snprintf(fz.dir, sizeof fz.dir, "%s/kring-fuzz-%ld-XXXXXX", base, (long)getpid());
	if (!mkdtemp(fz.dir))
		die("mkdtemp", 0);
	snprintf(fz.pristine, sizeof fz.pristine, "%s/pristine.db", fz.dir);
	snprintf(fz.work, sizeof fz.work, "%s/work.db", fz.dir);
	atexit(cleanup);

	struct store *s = NULL;
	check("open pristine store", store_open_sqlite(fz.pristine, &s));
	memset(&world, 0, sizeof world);
	seed(s, &world);
	if (extra)
		extra(s, &world);
	store_close(s); /* checkpoints: the pristine copy is one file */

	struct http_config hc;
	memset(&hc, 0, sizeof hc);
	hc.address = "127.0.0.1";
	hc.port = 0;
	hc.max_body = 64 * 1024;
	hc.max_connections = 16;
	hc.timeout_s = 10;
	check("http_server_new", http_server_new(&hc, &fz.srv));
	fz.api.cfg.version = "fuzz";
	check("api_register", api_register(&fz.api, fz.srv));
	/* The same routes as `kring serve`: the web pages and TAXII too. */
	fz.web.api = &fz.api;
	check("web_register", web_register(&fz.web, fz.srv));
	fz.taxii.api = &fz.api;
	fz.taxii.max_content_length = hc.max_body;
	fz.taxii.cache_ms = -1; /* no answers kept across the store resets */
	check("taxii_register", taxii_register(&fz.taxii, fz.srv));
	reset();
	check("http_server_start", http_server_start(fz.srv));
	fz.port = http_server_port(fz.srv);
}

/* ---- the client ---- */

static int connect_server(void)
{
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)fz.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = -1;
	for (int tries = 0;; tries++) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			die("socket", 0);
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
			break;
		/* libFuzzer's timeout alarm interrupts blocking calls: start over. */
		if (errno != EINTR || tries == 100)
			die("connect", 0);
		close(fd);
	}
	/* Close with a reset: no TIME_WAIT, so thousands of connections a
	 * second do not run out of ports. */
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	return fd;
}

static void hang(const char *req, size_t len)
{
	fprintf(stderr, "fuzz_server: no answer within %d ms to %zu bytes: %.*s\n",
		FUZZ_SERVER_TIMEOUT_MS, len, (int)(len > 400 ? 400 : len), req);
	abort();
}

int fuzz_server_exchange(const char *req, size_t len)
{
	char *resp = fz.resp;
	size_t got = 0;
	int64_t deadline = time_now_ms() + FUZZ_SERVER_TIMEOUT_MS;
	reset();
	int fd = connect_server();
	size_t sent = 0;
	while (sent < len) {
		ssize_t n = send(fd, req + sent, len - sent, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* The server may answer (413, 400) and close before reading all. */
			break;
		}
		sent += (size_t)n;
	}
	for (;;) {
		int64_t left = deadline - time_now_ms();
		if (left <= 0)
			hang(req, len);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int pr = poll(&p, 1, (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			hang(req, len);
		ssize_t n = recv(fd, resp + got, sizeof fz.resp - 1 - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == sizeof fz.resp - 1)
			break; /* long enough to know the status */
	}
	close(fd);
	resp[got] = '\0';
	fz.got = got;
	int status = 0;
	if (got >= 12 && memcmp(resp, "HTTP/1.", 7) == 0)
		status = atoi(resp + 9);
	if (status == 500) {
		fprintf(stderr, "fuzz_server: status %d for request:\n%.*s\n--- answer:\n%.2000s\n",
			status, (int)(len > 4000 ? 4000 : len), req, resp);
		abort();
	}
	return status;
}

/* Joins a chunked body (hex size, CRLF, data, CRLF, ..., 0 CRLF) into
 * fz.body; aborts when it is malformed or cut off. */
static size_t dechunk(const char *p, const char *end)
{
	size_t n = 0;
	for (;;) {
		char *after = NULL;
		unsigned long size = strtoul(p, &after, 16);
		if (after == p)
			die("chunked answer without a chunk size", KR_EINVAL);
		const char *data = strstr(after, "\r\n");
		if (!data || data >= end)
			die("chunked answer cut off", KR_EINVAL);
		data += 2;
		if (size == 0)
			return n;
		if (size > (size_t)(end - data) || n + size >= sizeof fz.body)
			die("chunked answer cut off", KR_EINVAL);
		memcpy(fz.body + n, data, size);
		n += size;
		p = data + size;
		if (end - p < 2 || memcmp(p, "\r\n", 2) != 0)
			die("chunk not followed by CRLF", KR_EINVAL);
		p += 2;
	}
}

const char *fuzz_server_body(size_t *len)
{
	*len = 0;
	const char *head_end = strstr(fz.resp, "\r\n\r\n");
	if (!head_end)
		return NULL;
	const char *start = head_end + 4, *end = fz.resp + fz.got;
	bool chunked = false;
	long long clen = -1;
	for (const char *line = strstr(fz.resp, "\r\n") + 2; line < head_end;
	     line = strstr(line, "\r\n") + 2) {
		if (strncasecmp(line, "Transfer-Encoding:", 18) == 0 &&
		    strncasecmp(line + 18 + strspn(line + 18, " "), "chunked", 7) == 0)
			chunked = true;
		if (strncasecmp(line, "Content-Length:", 15) == 0)
			clen = atoll(line + 15);
	}
	size_t n;
	if (chunked) {
		n = dechunk(start, end);
	} else {
		n = (size_t)(end - start);
		if (clen >= 0 && (size_t)clen != n)
			die("answer shorter or longer than its Content-Length", KR_EINVAL);
		memcpy(fz.body, start, n);
	}
	fz.body[n] = '\0';
	*len = n;
	return fz.body;
}
