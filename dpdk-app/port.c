// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Ports: every port named by --port (as receiver or as peer) gets one rx and
 * one tx queue per worker lcore, RSS over IP and UDP when there are several
 * (a flow then stays on one queue), promiscuous and all-multicast receive,
 * and one mbuf pool. Any PMD works: real NICs, af_packet, af_xdp, tap,
 * pcap, ring, null.
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "mcsec-dpdk.h"

#define RX_DESC		1024
#define TX_DESC		1024

struct mcd_ports mcd_ports;
static bool used[RTE_MAX_ETHPORTS], started[RTE_MAX_ETHPORTS];

/*
 * The port's MTU: --mtu on every port (a PMD without one, such as pcap,
 * null or ring, takes it as the appliance's own limit), else the PMD's.
 * The appliance does not fragment: what ESP makes larger is dropped and
 * counted out-pkts-too-big rather than handed to a port that would lose
 * it unseen.
 */
static bool port_mtu(u16 port, const struct rte_eth_dev_info *info,
		     char *err, size_t errlen)
{
	u16 mtu = mcd_ports.want_mtu;
	int r;

	if (mtu) {
		r = rte_eth_dev_set_mtu(port, mtu);
		if (r && r != -ENOTSUP) {
			snprintf(err, errlen, "port %u (%s): MTU %u refused: %s (it takes %u..%u)",
				 port, info->driver_name, mtu, strerror(-r),
				 info->min_mtu, info->max_mtu);
			return false;
		}
	} else if (rte_eth_dev_get_mtu(port, &mtu)) {
		mtu = 0;
	}
	mcd_ports.mtu[port] = mtu;
	return true;
}

static bool port_init(u16 port, u16 nq, char *err, size_t errlen)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	u16 nrx = RX_DESC, ntx = TX_DESC;
	int r;

	memset(&conf, 0, sizeof(conf));
	r = rte_eth_dev_info_get(port, &info);
	if (r) {
		snprintf(err, errlen, "port %u: no device info: %s", port,
			 strerror(-r));
		return false;
	}
	if (info.max_rx_queues < nq || info.max_tx_queues < nq) {
		snprintf(err, errlen,
			 "port %u (%s) has %u rx / %u tx queues, %u workers need one each: use fewer lcores",
			 port, info.driver_name, info.max_rx_queues,
			 info.max_tx_queues, nq);
		return false;
	}
	if (nq > 1 && info.flow_type_rss_offloads) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	r = rte_eth_dev_configure(port, nq, nq, &conf);
	if (!r && !port_mtu(port, &info, err, errlen))
		return false;
	if (!r)
		r = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrx, &ntx);
	for (u16 q = 0; !r && q < nq; q++) {
		r = rte_eth_rx_queue_setup(port, q, nrx, rte_eth_dev_socket_id(port),
					   NULL, mcd_ports.pool);
		if (!r)
			r = rte_eth_tx_queue_setup(port, q, ntx,
						   rte_eth_dev_socket_id(port), NULL);
	}
	if (!r)
		r = rte_eth_dev_start(port);
	if (r) {
		snprintf(err, errlen, "port %u (%s): setup failed: %s", port,
			 info.driver_name, strerror(r < 0 ? -r : r));
		return false;
	}
	started[port] = true;
	/* Multicast must be received; not every PMD can say so. */
	rte_eth_promiscuous_enable(port);
	rte_eth_allmulticast_enable(port);
	return true;
}

bool mcd_ports_init(u16 nq, u32 mbuf_data_room, char *err, size_t errlen)
{
	u32 nports = 0, nmbufs;

	for (u32 i = 0; i < mcd_ports.n; i++) {
		const struct mcd_port_cfg *p = &mcd_ports.map[i];

		for (u16 id = p->rx;; id = p->tx) {
			if (!rte_eth_dev_is_valid_port(id)) {
				snprintf(err, errlen,
					 "port %u does not exist (%u ports; give them with --vdev or -a)",
					 id, rte_eth_dev_count_avail());
				return false;
			}
			if (!used[id])
				nports++;
			used[id] = true;
			if (id == p->tx)
				break;
		}
	}
	mcd_ports.nq = nq;
	nmbufs = nports * nq * (RX_DESC + TX_DESC + MCD_BURST * 2) + 1024;
	if (nmbufs < 8191)
		nmbufs = 8191;
	mcd_ports.pool = rte_pktmbuf_pool_create("mcsec_mbufs", nmbufs, 256, 0,
						 (u16)mbuf_data_room,
						 (int)rte_socket_id());
	if (!mcd_ports.pool) {
		snprintf(err, errlen, "cannot create %u mbufs: %s", nmbufs,
			 rte_strerror(rte_errno));
		return false;
	}
	for (u16 id = 0; id < RTE_MAX_ETHPORTS; id++)
		if (used[id] && !port_init(id, nq, err, errlen))
			return false;
	return true;
}

void mcd_ports_stop(void)
{
	for (u16 id = 0; id < RTE_MAX_ETHPORTS; id++) {
		if (!started[id])
			continue;
		rte_eth_dev_stop(id);
		rte_eth_dev_close(id);	/* pcap: flushes the tx file */
		started[id] = false;
	}
}
