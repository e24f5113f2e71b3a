// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Groups and SAs at run time.
 *
 * Groups live in an rte_hash keyed on (family, group address, UDP port,
 * protocol, direction); an ESP decrypt group is keyed on protocol ESP and
 * port 0 (the port is inside the ciphertext), its SAs told apart by SPI.
 * The tables are built before the lcores start and only read by them.
 * Keys are expanded once, by the main lcore's engine, and shared by every
 * lcore's engine (they run the same intel-ipsec-mb code path).
 */
#include <string.h>
#include <arpa/inet.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "mcsec-dpdk.h"
#include "suite.h"

struct mcd_tables mcd_tab;

const char *mcd_format_name(u8 format)
{
	switch (format) {
	case MCSEC_FORMAT_ESP_TUNNEL: return "esp-tunnel";
	case MCSEC_FORMAT_ESP_TRANSPORT: return "esp-transport";
	case MCSEC_FORMAT_TS_CISSA: return "ts-cissa";
	case MCSEC_FORMAT_TS_IDSA: return "ts-idsa";
	default: return "?";
	}
}

const char *mcd_suite_name(u8 suite)
{
	switch (suite) {
	case MCSEC_SUITE_AES128_GCM: return "aes128-gcm";
	case MCSEC_SUITE_AES256_GCM: return "aes256-gcm";
	case MCSEC_SUITE_AES128_GMAC: return "aes128-gmac";
	case MCSEC_SUITE_CHACHA20_POLY1305: return "chacha20-poly1305";
	case MCSEC_SUITE_AES128_CBC: return "aes128-cbc";
	default: return "?";
	}
}

const char *mcd_dir_name(u8 dir)
{
	return dir == MCSEC_DIR_ENCRYPT ? "encrypt" :
	       dir == MCSEC_DIR_DECRYPT ? "decrypt" : "?";
}

static bool is_esp(u8 format)
{
	return format == MCSEC_FORMAT_ESP_TUNNEL ||
	       format == MCSEC_FORMAT_ESP_TRANSPORT;
}

void mcd_gkey_fill(struct mcd_gkey *k, u8 family, const u8 *addr, u8 proto,
		   u8 dir, u16 port)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, addr, family == MC_AF_INET ? 4 : 16);
	k->family = family;
	k->proto = proto;
	k->dir = dir;
	k->port = port;
}

bool mcd_tables_init(char *err, size_t errlen)
{
	struct rte_hash_parameters hp = {
		.name = "mcsec_groups",
		.entries = MCD_MAX_GROUPS * 2,
		.key_len = sizeof(struct mcd_gkey),
		.hash_func = rte_jhash,
		.socket_id = (int)rte_socket_id(),
	};

	mcd_tab.hash = rte_hash_create(&hp);
	if (!mcd_tab.hash) {
		snprintf(err, errlen, "cannot create the group hash: %s",
			 rte_strerror(rte_errno));
		return false;
	}
	mcd_tab.keyeng = mc_crypto_new();
	if (!mcd_tab.keyeng) {
		snprintf(err, errlen, "intel-ipsec-mb cannot run on this CPU");
		return false;
	}
	return true;
}

static void sa_free(struct mcd_sa *sa)
{
	if (!sa)
		return;
	mc_key_free(sa->key);
	explicit_bzero(sa->esp.salt, sizeof(sa->esp.salt));
	rte_free(sa);
}

void mcd_tables_free(void)
{
	for (u32 i = 0; i < mcd_tab.ngroups; i++) {
		struct mcd_group *g = mcd_tab.groups[i];

		for (u32 j = 0; j < g->nsas; j++)
			sa_free(g->sas[j]);
		rte_free(g);
	}
	mcd_tab.ngroups = 0;
	rte_hash_free(mcd_tab.hash);
	mcd_tab.hash = NULL;
	mc_crypto_free(mcd_tab.keyeng);
	mcd_tab.keyeng = NULL;
}

struct mcd_group *mcd_group_new(char *err, size_t errlen)
{
	struct mcd_group *g;

	if (mcd_tab.ngroups >= MCD_MAX_GROUPS) {
		snprintf(err, errlen, "more than %u groups", MCD_MAX_GROUPS);
		return NULL;
	}
	g = rte_zmalloc("mcsec_group", sizeof(*g), RTE_CACHE_LINE_SIZE);
	if (!g) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	g->id = mcd_tab.ngroups + 1;
	g->slot = g->id;
	mcd_tab.groups[mcd_tab.ngroups++] = g;
	return g;
}

struct mcd_sa *mcd_sa_by_spi(const struct mcd_group *g, u32 spi)
{
	for (u32 i = 0; i < g->nsas; i++)
		if (g->sas[i]->spi == spi)
			return g->sas[i];
	return NULL;
}

bool mcd_sa_add(struct mcd_group *g, const struct mcd_sa *tmpl,
		const struct mcd_key_material *km, char *err, size_t errlen)
{
	u32 kl = mc_suite_key_len(tmpl->suite);
	struct mcd_sa *sa;

	if (g->nsas >= MCD_MAX_SAS) {
		snprintf(err, errlen, "more than %u SAs in a group", MCD_MAX_SAS);
		return false;
	}
	if (is_esp(g->format) ? !mc_suite_is_esp(tmpl->suite) :
	    tmpl->suite != MCSEC_SUITE_AES128_CBC) {
		snprintf(err, errlen, "suite %s does not fit format %s",
			 mcd_suite_name(tmpl->suite), mcd_format_name(g->format));
		return false;
	}
	if (is_esp(g->format) && (!tmpl->spi || mcd_sa_by_spi(g, tmpl->spi))) {
		snprintf(err, errlen, "SPI 0x%x is 0 or already in the group",
			 tmpl->spi);
		return false;
	}
	if (!is_esp(g->format) &&
	    (tmpl->parity < MCSEC_PARITY_EVEN || tmpl->parity > MCSEC_PARITY_ODD ||
	     g->parity_sa[tmpl->parity - 1])) {
		snprintf(err, errlen, "TS SA needs parity even or odd, once each");
		return false;
	}
	sa = rte_zmalloc("mcsec_sa", sizeof(*sa), RTE_CACHE_LINE_SIZE);
	if (!sa) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	*sa = *tmpl;
	rte_spinlock_init(&sa->lock);
	sa->key = mc_key_new(mcd_tab.keyeng, sa->suite, km->bytes, kl);
	if (!sa->key) {
		snprintf(err, errlen, "the crypto backend refused the %s key",
			 mcd_suite_name(sa->suite));
		rte_free(sa);
		return false;
	}
	if (is_esp(g->format)) {
		sa->esp.spi = sa->spi;
		sa->esp.suite = sa->suite;
		sa->esp.format = g->format;
		sa->esp.esn = sa->flags & MCSEC_SA_F_ESN;
		memcpy(sa->esp.salt, km->bytes + kl, MC_SALT_LEN);
		sa->esp.key = sa->key;
		if (mc_replay_init(&sa->esp.replay,
				   g->dir == MCSEC_DIR_DECRYPT ? sa->replay_window : 0)) {
			snprintf(err, errlen,
				 "replay-window %u: 0, or 64..4096 in steps of 64",
				 sa->replay_window);
			sa_free(sa);
			return false;
		}
		if (!sa->next_seq)
			sa->next_seq = 1;
		if (g->dir == MCSEC_DIR_ENCRYPT &&
		    (sa->flags & MCSEC_SA_F_ACTIVE || !g->tx_sa))
			g->tx_sa = sa;
	} else {
		g->parity_sa[sa->parity - 1] = sa;
	}
	g->sas[g->nsas++] = sa;
	return true;
}

bool mcd_group_commit(struct mcd_group *g, char *err, size_t errlen)
{
	struct mcd_gkey k;
	char addr[INET6_ADDRSTRLEN];
	u8 proto = MC_IPPROTO_UDP;
	u16 port = g->port;
	int r;

	if (g->dir != MCSEC_DIR_ENCRYPT && g->dir != MCSEC_DIR_DECRYPT) {
		snprintf(err, errlen, "a group needs a direction");
		return false;
	}
	switch (g->format) {
	case MCSEC_FORMAT_ESP_TUNNEL:
	case MCSEC_FORMAT_ESP_TRANSPORT:
		g->ops = g->dir == MCSEC_DIR_ENCRYPT ? &mcd_ops_esp_encrypt :
						       &mcd_ops_esp_decrypt;
		if (g->dir == MCSEC_DIR_DECRYPT) {
			proto = MC_IPPROTO_ESP;
			port = 0;
		}
		break;
	case MCSEC_FORMAT_TS_CISSA:
	case MCSEC_FORMAT_TS_IDSA:
		if (!g->port) {
			snprintf(err, errlen, "TS formats need a UDP port");
			return false;
		}
		g->ops = g->dir == MCSEC_DIR_ENCRYPT ? &mcd_ops_ts_scramble :
						       &mcd_ops_ts_descramble;
		g->ts.format = g->format;
		g->ts.rtp = g->flags & MCSEC_GROUP_F_RTP;
		g->ts.pid_map = g->have_pids ? g->pid_map : NULL;
		if (!g->tx_parity)
			g->tx_parity = MCSEC_PARITY_EVEN;
		break;
	default:
		snprintf(err, errlen, "a group needs a format");
		return false;
	}
	inet_ntop(g->family == MC_AF_INET ? AF_INET : AF_INET6, g->daddr,
		  addr, sizeof(addr));
	snprintf(g->name, sizeof(g->name), g->family == MC_AF_INET ?
		 "%s:%u %s %s" : "[%s]:%u %s %s", addr, g->port,
		 mcd_dir_name(g->dir), mcd_format_name(g->format));
	mcd_gkey_fill(&k, g->family, g->daddr, proto, g->dir, port);
	if (rte_hash_lookup(mcd_tab.hash, &k) >= 0) {
		snprintf(err, errlen, "group %s: another group has the same %s",
			 g->name, proto == MC_IPPROTO_ESP ?
			 "address (ESP decrypt groups are told apart by SPI)" :
			 "address, port and direction");
		return false;
	}
	r = rte_hash_add_key_data(mcd_tab.hash, &k, g);
	if (r < 0) {
		snprintf(err, errlen, "group %s: hash insert failed: %s",
			 g->name, strerror(-r));
		return false;
	}
	/* A required ESP decrypt group also claims its address and port in
	 * clear, to drop cleartext that pretends to be the group. */
	if (proto == MC_IPPROTO_ESP && g->flags & MCSEC_GROUP_F_REQUIRED) {
		mcd_gkey_fill(&k, g->family, g->daddr, MC_IPPROTO_UDP, g->dir,
			      g->port);
		if (rte_hash_lookup(mcd_tab.hash, &k) >= 0 ||
		    rte_hash_add_key_data(mcd_tab.hash, &k, g) < 0) {
			snprintf(err, errlen,
				 "group %s: its address and port are another group's",
				 g->name);
			return false;
		}
	}
	return true;
}
