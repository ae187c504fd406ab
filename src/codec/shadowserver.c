/* shadowserver.c - Shadowserver reports: header recognition, column
 * mapping by name, and per-row validation into events. */
#include "codec/shadowserver.h"
#include "util/alloc.h"
#include "util/err.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/banned.h"

/* ---- report types ---- */

struct shadow_type {
	const char *name;
	const char *category;
	const char *columns; /* comma-separated, as the reports have them */
};

/* The columns of each type as its files carry them (the report types of
 * Shadowserver's daily reports, in the layouts kring has met). Types that
 * share a header follow each other; the first of such a run is the answer
 * when no hint tells them apart. */
static const struct shadow_type types[] = {
    {"scan_http", "exposed-service",
     "timestamp,ip,protocol,port,hostname,tag,asn,geo,region,city,naics,sic,http,"
     "http_code,http_reason,content_type,connection,www_authenticate,set_cookie,"
     "server,content_length,transfer_encoding,http_date"},
    {"scan_http_proxy", "exposed-service",
     "timestamp,ip,protocol,port,hostname,tag,asn,geo,region,city,naics,sic,http,"
     "http_code,http_reason,content_type,connection,proxy_authenticate,via,server,"
     "content_length,transfer_encoding,http_date"},
    {"scan_http_vulnerable", "vulnerable-service",
     "timestamp,ip,protocol,port,hostname,tag,asn,geo,region,city,naics,sic,http,"
     "http_code,http_reason,content_type,connection,www_authenticate,set_cookie,"
     "server,content_length,transfer_encoding,http_date,version,build_date,detail"},
    {"scan_smtp_vulnerable", "vulnerable-service",
     "timestamp,ip,protocol,port,hostname,tag,asn,geo,region,city,naics,sic,banner"},
    {"scan_telnet", "exposed-service",
     "timestamp,ip,protocol,port,hostname,tag,asn,geo,region,city,naics,sic,banner"},
    {"scan_exchange", "vulnerable-service",
     "timestamp,ip,port,hostname,tag,asn,geo,region,city,naics,sic,sector,version,"
     "servername,url"},
    {"scan_ssl_poodle", "vulnerable-service",
     "timestamp,ip,port,hostname,tag,handshake,asn,geo,region,city,cipher_suite,"
     "ssl_poodle,cert_length,subject_common_name,issuer_common_name,cert_issue_date,"
     "cert_expiration_date,sha1_fingerprint,cert_serial_number,ssl_version,"
     "signature_algorithm,key_algorithm,subject_organization_name,"
     "subject_organization_unit_name,subject_country,subject_state_or_province_name,"
     "subject_locality_name,subject_street_address,subject_postal_code,"
     "subject_surname,subject_given_name,subject_email_address,"
     "subject_business_category,subject_serial_number,issuer_organization_name,"
     "issuer_organization_unit_name,issuer_country,issuer_state_or_province_name,"
     "issuer_locality_name,issuer_street_address,issuer_postal_code,issuer_surname,"
     "issuer_given_name,issuer_email_address,issuer_business_category,"
     "issuer_serial_number,naics,sic,sector,sha256_fingerprint,sha512_fingerprint,"
     "md5_fingerprint,http_response_type,http_code,http_reason,content_type,"
     "http_connection,www_authenticate,set_cookie,server_type,content_length,"
     "transfer_encoding,http_date,cert_valid,self_signed,cert_expired,browser_trusted,"
     "validation_level,browser_error,tlsv13_support,tlsv13_cipher,device_model,"
     "device_sector,device_type,device_vendor,device_version,jarm,page_sha256fp,"
     "raw_cert,raw_cert_chain"},
    {"scan_rdp", "exposed-service",
     "timestamp,ip,port,hostname,tag,handshake,asn,geo,region,city,rdp_protocol,"
     "cert_length,subject_common_name,issuer_common_name,cert_issue_date,"
     "cert_expiration_date,sha1_fingerprint,cert_serial_number,ssl_version,"
     "signature_algorithm,key_algorithm,sha256_fingerprint,sha512_fingerprint,"
     "md5_fingerprint,naics,sic,sector,tlsv13_support,tlsv13_cipher,"
     "cve20190708_vulnerable,bluekeep_vulnerable,jarm"},
    {"scan_smb", "exposed-service",
     "timestamp,ip,port,hostname,tag,asn,geo,region,city,naics,sic,smb_implant,arch,"
     "key,smbv1_support,smb_major_number,smb_minor_number,smb_revision,"
     "smb_version_string"},
    {"scan_ssh", "exposed-service",
     "timestamp,ip,protocol,port,hostname,tag,asn,geo,region,city,naics,sic,"
     "serverid_raw,serverid_version,serverid_software,serverid_comment,server_cookie,"
     "available_kex,available_ciphers,available_mac,available_compression,"
     "selected_kex,algorithm,selected_cipher,selected_mac,selected_compression,"
     "server_signature_value,server_signature_raw,server_host_key,"
     "server_host_key_sha256,rsa_prime,rsa_prime_length,rsa_generator,"
     "rsa_generator_length,rsa_public_key,rsa_public_key_length,rsa_exponent,"
     "rsa_modulus,rsa_length,dss_prime,dss_prime_length,dss_generator,"
     "dss_generator_length,dss_public_key,dss_public_key_length,dss_dsa_public_g,"
     "dss_dsa_public_p,dss_dsa_public_q,dss_dsa_public_y,ecdsa_curve25519,ecdsa_curve,"
     "ecdsa_public_key_length,ecdsa_public_key_b,ecdsa_public_key_gx,"
     "ecdsa_public_key_gy,ecdsa_public_key_n,ecdsa_public_key_p,ecdsa_public_key_x,"
     "ecdsa_public_key_y,ed25519_curve25519,ed25519_cert_public_key_nonce,"
     "ed25519_cert_public_key_bytes,ed25519_cert_public_key_raw,"
     "ed25519_cert_public_key_sha256,ed25519_cert_public_key_serial,"
     "ed25519_cert_public_key_type_id,ed25519_cert_public_key_type_name,"
     "ed25519_cert_public_key_keyid,ed25519_cert_public_key_principles,"
     "ed25519_cert_public_key_valid_after,ed25519_cert_public_key_valid_before,"
     "ed25519_cert_public_key_duration,ed25519_cert_public_key_sigkey_bytes,"
     "ed25519_cert_public_key_sigkey_raw,ed25519_cert_public_key_sigkey_sha256,"
     "ed25519_cert_public_key_sigkey_value,ed25519_cert_public_key_sig_raw,banner,"
     "userauth_methods,device_vendor,device_type,device_model,device_version,"
     "device_sector"},
    {"scan_dns", "exposed-service",
     "timestamp,ip,protocol,port,hostname,tag,dns_version,asn,geo,region,city,"
     "min_amplification,p0f_genre,p0f_detail,naics,sic,sector"},
    {"scan_ntp", "exposed-service",
     "timestamp,ip,protocol,port,hostname,tag,asn,geo,region,city,version,clk_wander,"
     "clock,error,frequency,jitter,leap,mintc,noise,offset,peer,phase,poll,precision,"
     "processor,refid,reftime,rootdelay,rootdispersion,stability,state,stratum,system,"
     "tai,tc,naics,sic,sector,response_size,amplification"},
    {"scan_snmp", "exposed-service",
     "timestamp,ip,protocol,port,hostname,sysdesc,sysname,asn,geo,region,city,version,"
     "naics,sic,sector,device_vendor,device_type,device_model,device_version,"
     "device_sector,tag,community,response_size,amplification"},
    {"compromised_website", "compromised-website",
     "timestamp,ip,port,hostname,tag,application,asn,geo,region,city,url,http_host,"
     "category,system,detected_since,server,redirect_target,naics,sic,sector,cc_url,"
     "family"},
    {"event4_sinkhole", "infected-host",
     "timestamp,protocol,src_ip,src_port,src_asn,src_geo,src_region,src_city,"
     "src_hostname,src_naics,src_sector,device_vendor,device_type,device_model,dst_ip,"
     "dst_port,dst_asn,dst_geo,dst_region,dst_city,dst_hostname,dst_naics,dst_sector,"
     "public_source,infection,family,tag,application,version,event_id"},
    {"event4_microsoft_sinkhole", "infected-host",
     "timestamp,protocol,src_ip,src_port,src_asn,src_geo,src_region,src_city,"
     "src_hostname,src_naics,src_sector,device_vendor,device_type,device_model,dst_ip,"
     "dst_port,dst_asn,dst_geo,dst_region,dst_city,dst_hostname,dst_naics,dst_sector,"
     "public_source,infection,family,tag,application,version,event_id"},
    {"event4_sinkhole_http", "infected-host",
     "timestamp,protocol,src_ip,src_port,src_asn,src_geo,src_region,src_city,"
     "src_hostname,src_naics,src_sector,device_vendor,device_type,device_model,dst_ip,"
     "dst_port,dst_asn,dst_geo,dst_region,dst_city,dst_hostname,dst_naics,dst_sector,"
     "public_source,infection,family,tag,application,version,event_id,http_url,"
     "http_host,http_agent,forwarded_by,ssl_cipher,http_referer"},
    {"event4_microsoft_sinkhole_http", "infected-host",
     "timestamp,protocol,src_ip,src_port,src_asn,src_geo,src_region,src_city,"
     "src_hostname,src_naics,src_sector,device_vendor,device_type,device_model,dst_ip,"
     "dst_port,dst_asn,dst_geo,dst_region,dst_city,dst_hostname,dst_naics,dst_sector,"
     "public_source,infection,family,tag,application,version,event_id,http_url,"
     "http_host,http_agent,forwarded_by,ssl_cipher,http_referer"},
    {"event6_sinkhole_http", "infected-host",
     "timestamp,protocol,src_ip,src_port,src_asn,src_geo,src_region,src_city,"
     "src_hostname,src_naics,src_sector,device_vendor,device_type,device_model,dst_ip,"
     "dst_port,dst_asn,dst_geo,dst_region,dst_city,dst_hostname,dst_naics,dst_sector,"
     "public_source,infection,family,tag,application,version,event_id,http_url,"
     "http_host,http_agent,forwarded_by,ssl_cipher,http_referer"},
    {"event4_sinkhole_http_referer", "sinkhole-referer",
     "timestamp,protocol,http_referer_ip,http_referer_port,http_referer_asn,"
     "http_referer_geo,http_referer_region,http_referer_city,http_referer_hostname,"
     "http_referer_naics,http_referer_sector,dst_ip,dst_port,dst_asn,dst_geo,"
     "dst_region,dst_city,dst_hostname,dst_naics,dst_sector,public_source,infection,"
     "family,tag,application,version,event_id,http_url,http_host,http_referer"},
    {"event4_sinkhole_dns", "infected-host",
     "timestamp,protocol,src_ip,src_port,src_asn,src_geo,src_region,src_city,"
     "src_hostname,src_naics,src_sector,device_vendor,device_type,device_model,"
     "infection,family,tag,query_type,query,count"},
    {"event4_honeypot_brute_force", "brute-force-source",
     "timestamp,protocol,src_ip,src_port,src_asn,src_geo,src_region,src_city,"
     "src_hostname,src_naics,src_sector,device_vendor,device_type,device_model,dst_ip,"
     "dst_port,dst_asn,dst_geo,dst_region,dst_city,dst_hostname,dst_naics,dst_sector,"
     "public_source,infection,family,tag,application,version,event_id,service,"
     "start_time,end_time,client_version,username,password,payload_url,payload_md5"},
    {"event4_honeypot_darknet", "darknet-source",
     "timestamp,protocol,src_ip,src_port,src_asn,src_geo,src_region,src_city,"
     "src_hostname,src_naics,src_sector,device_vendor,device_type,device_model,dst_ip,"
     "dst_port,dst_asn,dst_geo,dst_region,dst_city,dst_hostname,dst_naics,dst_sector,"
     "public_source,infection,family,tag,application,version,event_id,count"},
    {"event4_ddos_participant", "ddos-source",
     "timestamp,protocol,src_ip,src_port,src_asn,src_geo,src_region,src_city,"
     "src_hostname,src_naics,src_sector,device_vendor,device_type,device_model,dst_ip,"
     "dst_port,dst_asn,dst_geo,dst_region,dst_city,dst_hostname,dst_naics,dst_sector,"
     "domain_source,public_source,infection,family,tag,application,version,event_id,"
     "dst_network,dst_netmask,attack,duration,attack_src_ip,attack_src_port,domain,"
     "domain_transaction_id,gcip,http_method,http_path,http_postdata,http_usessl,"
     "ip_header_ack,ip_header_acknum,ip_header_dont_fragment,ip_header_fin,"
     "ip_header_identity,ip_header_psh,ip_header_rst,ip_header_seqnum,ip_header_syn,"
     "ip_header_tos,ip_header_ttl,ip_header_urg,number_of_connections,packet_length,"
     "packet_randomized,http_agent"},
    {"event4_ip_spoofer", "spoofing-network",
     "timestamp,protocol,src_ip,src_port,src_asn,src_geo,src_region,src_city,"
     "src_hostname,src_naics,src_sector,device_vendor,device_type,device_model,dst_ip,"
     "dst_port,dst_asn,dst_geo,dst_region,dst_city,dst_hostname,dst_naics,dst_sector,"
     "public_source,infection,family,tag,application,version,event_id,network,"
     "routedspoof,session,nat"},
    {"blocklist", "blocklisted",
     "timestamp,ip,hostname,source,reason,asn,geo,region,city,naics,sic,sector,tag"},
    {"device_id", "device",
     "timestamp,ip,protocol,port,hostname,tag,asn,geo,region,city,naics,sic,sector,"
     "device_vendor,device_type,device_model"},
    {"special", "special",
     "timestamp,ip,port,protocol,asn,geo,region,city,hostname,naics,sector,tag,"
     "public_source,status,detail,method,device_vendor"},
    {"malware_url", "malicious-url",
     "timestamp,url,host,ip,asn,geo,region,city,naics,sector,tag,source,sha256,"
     "application"},
    {"phish_url", "phishing-url", "timestamp,url,host,ip,asn,geo,region,city,naics,sector,source"},
    {"sandbox_url", "sandbox-url", "timestamp,ip,asn,geo,md5,url,user_agent,host,method"},
    {"botnet_drone", "infected-host",
     "timestamp,ip,port,asn,geo,region,city,hostname,type,infection,url,agent,cc_ip,"
     "cc_port,cc_asn,cc_geo,cc_dns,count,proxy,application,p0f_genre,p0f_detail,"
     "machine_name,id,naics,sic,cc_naics,cc_sic,sector,cc_sector,ssl_cipher,family,"
     "tag,public_source"},
    {"drone_brute_force", "brute-force-source",
     "timestamp,ip,port,asn,geo,region,city,hostname,dest_ip,dest_port,dest_asn,"
     "dest_geo,dest_dns,service,naics,sic,dest_naics,dest_sic,sector,dest_sector,"
     "public_source,start_time,end_time,client_version,username,password,payload_url,"
     "payload_md5"},
    {"sinkhole_http_drone", "infected-host",
     "timestamp,ip,asn,geo,url,type,http_agent,tor,src_port,p0f_genre,p0f_detail,"
     "hostname,dst_port,http_host,http_referer,http_referer_ip,http_referer_asn,"
     "http_referer_geo,dst_ip,dst_asn,dst_geo,naics,sic,http_referer_naics,"
     "http_referer_sic,sector,ssl_cipher,application,version"},
};

#define NTYPES (sizeof types / sizeof types[0])

const char *shadow_known_type(size_t i)
{
	return i < NTYPES ? types[i].name : NULL;
}

static bool has_column(const char *const *names, size_t n, const char *col, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		if (strlen(names[i]) == len && !strncasecmp(names[i], col, len))
			return true;
	}
	return false;
}

/* Similarity of a header to a type's columns, percent (Jaccard). */
static int similarity(const char *const *names, size_t n, const struct shadow_type *t)
{
	size_t inter = 0, tn = 0;
	for (const char *c = t->columns; *c;) {
		const char *e = strchr(c, ',');
		size_t len = e ? (size_t)(e - c) : strlen(c);
		tn++;
		if (has_column(names, n, c, len))
			inter++;
		c += len + (e ? 1 : 0);
	}
	size_t uni = n + tn - inter;
	return uni ? (int)(inter * 100 / uni) : 0;
}

static bool is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* The longest type name in hint that stands on its own (not part of a
 * longer word), or -1. */
static int hinted_type(const char *hint)
{
	int best = -1;
	size_t best_len = 0;
	if (!hint)
		return -1;
	for (size_t i = 0; i < NTYPES; i++) {
		size_t len = strlen(types[i].name);
		const char *h = strcasestr(hint, types[i].name);
		while (h) {
			bool left = h == hint || !is_word(h[-1]);
			bool right = !is_word(h[len]);
			if (left && right && len > best_len) {
				best = (int)i;
				best_len = len;
			}
			h = strcasestr(h + 1, types[i].name);
		}
	}
	return best;
}

void shadow_detect(const char *const *names, size_t n, const char *hint,
                   struct shadow_detection *out)
{
	int score[NTYPES];
	int best = -1;
	for (size_t i = 0; i < NTYPES; i++) {
		score[i] = similarity(names, n, &types[i]);
		if (best < 0 || score[i] > score[best])
			best = (int)i;
	}
	int h = hinted_type(hint);
	if (h >= 0 && score[h] >= 50) {
		out->type = types[h].name;
		out->category = types[h].category;
		out->ambiguous = false;
		out->score = score[h];
		return;
	}
	out->score = score[best];
	/* Generic columns (timestamp, ip, port, asn, geo...) are shared by most
	 * types, so the header alone must fit better than a hint needs to. */
	if (score[best] < 60) {
		out->type = "unknown";
		out->category = "unknown";
		out->ambiguous = false;
		return;
	}
	out->type = types[best].name;
	out->category = types[best].category;
	out->ambiguous = false;
	for (size_t i = 0; i < NTYPES; i++) {
		if ((int)i != best && score[i] == score[best])
			out->ambiguous = true;
	}
}

/* ---- field parsers ---- */

static bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (!*s || strlen(s) > 10)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

/* An address, or with allow_net also "address/length" with clear host bits. */
static bool parse_ip(const char *s, bool allow_net, struct shadow_ip *ip)
{
	char buf[64];
	size_t len = strlen(s);
	if (len >= sizeof buf)
		return false;
	memcpy(buf, s, len + 1);
	char *slash = strchr(buf, '/');
	uint64_t plen = 0;
	if (slash) {
		if (!allow_net || !parse_uint(slash + 1, 128, &plen) || strlen(slash + 1) > 3)
			return false;
		*slash = '\0';
	}
	memset(ip, 0, sizeof *ip);
	if (inet_pton(AF_INET, buf, ip->addr) == 1) {
		ip->family = 4;
		ip->plen = slash ? (unsigned)plen : 32;
	} else if (inet_pton(AF_INET6, buf, ip->addr) == 1) {
		ip->family = 6;
		ip->plen = slash ? (unsigned)plen : 128;
	} else {
		return false;
	}
	unsigned bits = ip->family == 4 ? 32 : 128;
	if (ip->plen > bits)
		return false;
	for (unsigned b = ip->plen; b < bits; b++) {
		if (ip->addr[b / 8] & (0x80u >> (b % 8)))
			return false;
	}
	return true;
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DD[( |T)HH:MM[:SS[.fff...]]][Z|(+|-)HH[[:]MM]]", UTC unless a zone says otherwise. */
static bool parse_time(const char *s, int64_t *ms)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0;
	if (strlen(s) < 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return false;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return false;
	const char *p = s + 10;
	if (*p == ' ' || *p == 'T') {
		if (!digits(p + 1, 2, &h) || p[3] != ':' || !digits(p + 4, 2, &mi))
			return false;
		p += 6;
		if (*p == ':') {
			if (!digits(p + 1, 2, &sec))
				return false;
			p += 3;
			if (*p == '.') {
				int scale = 100;
				p++;
				if (*p < '0' || *p > '9')
					return false;
				for (; *p >= '0' && *p <= '9'; p++) {
					frac += (*p - '0') * scale;
					scale /= 10;
				}
			}
		}
		if (h > 23 || mi > 59 || sec > 60)
			return false;
	}
	int64_t off = 0;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om = 0;
		int sign = *p == '-' ? -1 : 1;
		if (!digits(p + 1, 2, &oh))
			return false;
		p += 3;
		if (*p == ':')
			p++;
		if (*p) {
			if (!digits(p, 2, &om))
				return false;
			p += 2;
		}
		if (oh > 23 || om > 59)
			return false;
		off = sign * ((int64_t)oh * 3600 + om * 60);
	}
	if (*p)
		return false;
	int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
	*ms = t * 1000 + frac;
	return true;
}

/* ---- the reader ---- */

enum role {
	R_TIME,
	R_IP,
	R_PORT,
	R_ASN,
	R_GEO,
	R_HOST,
	R_TAG,
	R_INFECTION,
	R_FAMILY,
	R_PROTOCOL,
	R_SEVERITY,
	R_URL,
	R_APPLICATION,
	R_DST,
	R_DST_PORT,
	R__COUNT
};

struct shadow_reader {
	struct csv_reader *csv;
	struct shadow_handler h;
	char *hint;
	bool have_header, header_bad;
	char **cols;
	size_t ncols;
	int ix[R__COUNT]; /* column of each role, -1 when absent */
	int *ipcols;      /* columns holding IP addresses */
	size_t nipcols;
	struct shadow_detection det;
	struct shadow_stats stats;
	char why[SHADOW_REASON_MAX];
};

static int find_col(const struct shadow_reader *r, const char *name)
{
	for (size_t i = 0; i < r->ncols; i++) {
		if (!strcmp(r->cols[i], name))
			return (int)i;
	}
	return -1;
}

/* First present column of prefix+name, then the plain alternatives. */
static int find_role(const struct shadow_reader *r, const char *prefix, const char *const *alt)
{
	char name[64];
	for (const char *const *a = alt; *a; a++) {
		snprintf(name, sizeof name, "%s%s", a == alt ? prefix : "", *a);
		int i = find_col(r, name);
		if (i >= 0)
			return i;
	}
	return -1;
}

static int reject(struct shadow_reader *r, uint64_t row, uint64_t line, const char *reason)
{
	r->stats.rejected += row > 0;
	if (!r->h.reject)
		return 0;
	struct shadow_reject rj = {.row = row, .line = line, .reason = reason};
	return r->h.reject(r->h.ctx, &rj);
}

/* A printable, bounded copy of a field for a reason text. */
static void quote_value(const char *v, char *out, size_t n)
{
	size_t k = 0, i = 0;
	for (; v[i] && k + 4 < n && i < 48; i++)
		out[k++] = (v[i] >= 0x20 && v[i] < 0x7f) ? v[i] : '?';
	if (v[i] && k + 3 < n) {
		memcpy(out + k, "...", 3);
		k += 3;
	}
	out[k] = '\0';
}

static int read_header(struct shadow_reader *r, const struct csv_record *rec)
{
	if (rec->error) {
		snprintf(r->why, sizeof r->why, "header rejected: %s", rec->error);
		goto bad;
	}
	r->cols = kr_calloc(rec->nfields, sizeof *r->cols);
	r->ipcols = kr_calloc(rec->nfields, sizeof *r->ipcols);
	if (!r->cols || !r->ipcols)
		return KR_ENOMEM;
	for (size_t i = 0; i < rec->nfields; i++) {
		const char *f = rec->field[i];
		size_t len = rec->len[i];
		while (len && (*f == ' ' || *f == '\t')) {
			f++;
			len--;
		}
		while (len && (f[len - 1] == ' ' || f[len - 1] == '\t'))
			len--;
		char *c = kr_strndup(f, len);
		if (!c)
			return KR_ENOMEM;
		for (char *p = c; *p; p++) {
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p + 32);
		}
		r->cols[r->ncols++] = c;
		if (!strcmp(c, "ip") || (len > 3 && !strcmp(c + len - 3, "_ip")))
			r->ipcols[r->nipcols++] = (int)i;
	}
	static const char *const ipalt[] = {"ip", "src_ip", "http_referer_ip", NULL};
	const char *prefix = "";
	r->ix[R_IP] = -1;
	for (size_t i = 0; ipalt[i]; i++) {
		r->ix[R_IP] = find_col(r, ipalt[i]);
		if (r->ix[R_IP] >= 0) {
			prefix = i == 0 ? "" : i == 1 ? "src_" : "http_referer_";
			break;
		}
	}
	static const char *const port[] = {"port", "port", "src_port", NULL};
	static const char *const asn[] = {"asn", "asn", "src_asn", NULL};
	static const char *const geo[] = {"geo", "geo", "src_geo", NULL};
	static const char *const host[] = {"hostname", "hostname", "host", "http_host", NULL};
	static const char *const one[][3] = {
	    {"timestamp", NULL},       {"tag", NULL},         {"infection", NULL},
	    {"family", NULL},          {"protocol", NULL},    {"severity", NULL},
	    {"url", "http_url", NULL}, {"application", NULL},
	};
	static const enum role onerole[] = {R_TIME,     R_TAG,      R_INFECTION, R_FAMILY,
	                                    R_PROTOCOL, R_SEVERITY, R_URL,       R_APPLICATION};
	static const char *const dst[] = {"dst_ip", "dest_ip", "cc_ip", NULL};
	static const char *const dport[] = {"dst_port", "dest_port", "cc_port", NULL};
	r->ix[R_PORT] = find_role(r, prefix, port);
	r->ix[R_ASN] = find_role(r, prefix, asn);
	r->ix[R_GEO] = find_role(r, prefix, geo);
	r->ix[R_HOST] = find_role(r, prefix, host);
	for (size_t i = 0; i < sizeof onerole / sizeof onerole[0]; i++)
		r->ix[onerole[i]] = find_role(r, "", one[i]);
	r->ix[R_DST] = find_role(r, "", dst);
	r->ix[R_DST_PORT] = find_role(r, "", dport);
	if (r->ix[R_IP] < 0 && r->ix[R_HOST] < 0 && r->ix[R_ASN] < 0) {
		snprintf(r->why, sizeof r->why, "header has no address, hostname or ASN column");
		goto bad;
	}
	shadow_detect((const char *const *)r->cols, r->ncols, r->hint, &r->det);
	r->have_header = true;
	return 0;
bad:
	r->header_bad = true;
	int e = reject(r, 0, rec->line, r->why);
	return e ? e : KR_EINVAL;
}

static const char *text(const struct csv_record *rec, int i)
{
	return i >= 0 && (size_t)i < rec->nfields ? rec->field[i] : "";
}

/* Checks a row and fills ev; false with r->why set when it is rejected. */
static bool read_row(struct shadow_reader *r, const struct csv_record *rec, struct shadow_event *ev)
{
	char val[64], col[64];
	if (rec->nfields > r->ncols) {
		snprintf(r->why, sizeof r->why, "row has %zu fields, header has %zu", rec->nfields,
		         r->ncols);
		return false;
	}
	if (!rec->terminated && rec->nfields < r->ncols) {
		snprintf(r->why, sizeof r->why, "truncated row at end of input (%zu of %zu fields)",
		         rec->nfields, r->ncols);
		return false;
	}
	for (size_t k = 0; k < r->nipcols; k++) {
		int i = r->ipcols[k];
		const char *v = text(rec, i);
		struct shadow_ip ip;
		if (*v && !parse_ip(v, i == r->ix[R_IP], &ip)) {
			quote_value(v, val, sizeof val);
			quote_value(r->cols[i], col, sizeof col); /* header text: one line */
			snprintf(r->why, sizeof r->why, "invalid IP address in column %s: \"%s\"",
			         col, val);
			return false;
		}
		if (i == r->ix[R_IP])
			ev->ip = *v ? ip : (struct shadow_ip){0};
		if (i == r->ix[R_DST])
			ev->dst = *v ? ip : (struct shadow_ip){0};
	}
	const int numeric[] = {R_PORT, R_DST_PORT, R_ASN};
	for (size_t k = 0; k < 3; k++) {
		int i = r->ix[numeric[k]];
		const char *v = text(rec, i);
		uint64_t n = 0;
		uint64_t max = numeric[k] == R_ASN ? 4294967295u : 65535;
		if (*v && !parse_uint(v, max, &n)) {
			quote_value(v, val, sizeof val);
			quote_value(r->cols[i], col, sizeof col);
			snprintf(r->why, sizeof r->why, "invalid %s in column %s: \"%s\"",
			         numeric[k] == R_ASN ? "AS number" : "port", col, val);
			return false;
		}
		if (numeric[k] == R_PORT)
			ev->port = *v ? (int)n : -1;
		else if (numeric[k] == R_DST_PORT)
			ev->dst_port = *v ? (int)n : -1;
		else
			ev->asn = (uint32_t)n;
	}
	const char *t = text(rec, r->ix[R_TIME]);
	ev->time_ms = 0;
	if (*t && !parse_time(t, &ev->time_ms)) {
		quote_value(t, val, sizeof val);
		snprintf(r->why, sizeof r->why, "invalid timestamp: \"%s\"", val);
		return false;
	}
	ev->hostname = text(rec, r->ix[R_HOST]);
	if (!ev->ip.family && !*ev->hostname && !ev->asn) {
		snprintf(r->why, sizeof r->why, "row names no address, hostname or AS number");
		return false;
	}
	ev->geo = text(rec, r->ix[R_GEO]);
	ev->tag = text(rec, r->ix[R_TAG]);
	ev->infection = text(rec, r->ix[R_INFECTION]);
	ev->family = text(rec, r->ix[R_FAMILY]);
	ev->protocol = text(rec, r->ix[R_PROTOCOL]);
	ev->severity = text(rec, r->ix[R_SEVERITY]);
	ev->url = text(rec, r->ix[R_URL]);
	ev->application = text(rec, r->ix[R_APPLICATION]);
	return true;
}

static int on_record(void *ctx, const struct csv_record *rec)
{
	struct shadow_reader *r = ctx;
	if (!r->have_header)
		return read_header(r, rec);
	uint64_t row = ++r->stats.rows;
	if (rec->error)
		return reject(r, row, rec->line, rec->error);
	struct shadow_event ev = {.row = row, .line = rec->line, .type = &r->det};
	if (!read_row(r, rec, &ev))
		return reject(r, row, rec->line, r->why);
	ev.nfields = rec->nfields;
	ev.field = rec->field;
	ev.ncolumns = r->ncols;
	ev.column = (const char *const *)r->cols;
	r->stats.events++;
	return r->h.event ? r->h.event(r->h.ctx, &ev) : 0;
}

int shadow_reader_new(const struct shadow_options *opt, const struct shadow_handler *h,
                      struct shadow_reader **out)
{
	if (!h)
		return KR_EINVAL;
	struct shadow_reader *r = kr_calloc(1, sizeof *r);
	if (!r)
		return KR_ENOMEM;
	r->h = *h;
	int e = 0;
	if (opt && opt->hint) {
		r->hint = kr_strdup(opt->hint);
		if (!r->hint) {
			e = KR_ENOMEM;
			goto out;
		}
	}
	e = csv_reader_new(opt ? &opt->csv : NULL, on_record, r, &r->csv);
out:
	if (e) {
		shadow_reader_free(r);
		return e;
	}
	*out = r;
	return 0;
}

void shadow_reader_free(struct shadow_reader *r)
{
	if (!r)
		return;
	csv_reader_free(r->csv);
	for (size_t i = 0; i < r->ncols; i++)
		kr_free(r->cols[i]);
	kr_free(r->cols);
	kr_free(r->ipcols);
	kr_free(r->hint);
	kr_free(r);
}

int shadow_reader_feed(struct shadow_reader *r, const void *data, size_t len)
{
	if (r->header_bad)
		return KR_EINVAL;
	int e = csv_reader_feed(r->csv, data, len);
	return r->header_bad ? KR_EINVAL : e;
}

int shadow_reader_finish(struct shadow_reader *r)
{
	if (r->header_bad)
		return KR_EINVAL;
	int e = csv_reader_finish(r->csv);
	if (r->header_bad)
		return KR_EINVAL;
	if (!e && !r->have_header) {
		r->header_bad = true;
		e = reject(r, 0, 1, "no header: the input is empty");
		return e ? e : KR_EINVAL;
	}
	return e;
}

const struct shadow_detection *shadow_reader_detection(const struct shadow_reader *r)
{
	return r->have_header ? &r->det : NULL;
}

void shadow_reader_stats(const struct shadow_reader *r, struct shadow_stats *out)
{
	*out = r->stats;
}

const char *shadow_event_get(const struct shadow_event *ev, const char *column)
{
	for (size_t i = 0; i < ev->ncolumns; i++) {
		if (!strcasecmp(ev->column[i], column))
			return i < ev->nfields ? ev->field[i] : "";
	}
	return NULL;
}
