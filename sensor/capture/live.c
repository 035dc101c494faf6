/* Basic live capture from one interface with libpcap (multi-worker capture
 * comes with the operations work). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "capture_priv.h"

static int activate_error(pcap_t *p, int rc, const char *iface, char *err, size_t errlen)
{
	const char *why = pcap_statustostr(rc);
	const char *detail = pcap_geterr(p);
	if (rc == PCAP_ERROR_PERM_DENIED)
		snprintf(err, errlen, "%s: permission denied opening the interface (%s); run as root "
			 "or grant CAP_NET_RAW and CAP_NET_ADMIN", iface, detail);
	else if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
		snprintf(err, errlen, "%s: no such interface; list them with 'ip link'", iface);
	else
		snprintf(err, errlen, "%s: cannot start the capture: %s (%s)", iface, why, detail);
	return rc == PCAP_ERROR_NO_SUCH_DEVICE ? SL_CAPTURE_INPUT : SL_CAPTURE_RUNTIME;
}

static pcap_t *open_live(const char *iface, const struct sl_capture_config *cfg, int *rc,
			 char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_create(iface, ebuf);
	if (!p) {
		snprintf(err, errlen, "%s: %s", iface, ebuf);
		*rc = SL_CAPTURE_RUNTIME;
		return NULL;
	}
	pcap_set_snaplen(p, (int)cfg->snaplen);
	pcap_set_promisc(p, cfg->promisc);
	pcap_set_buffer_size(p, (int)(cfg->buffer_mb * 1024u * 1024u));
	pcap_set_immediate_mode(p, cfg->immediate);
	pcap_set_timeout(p, 200);
	int a = pcap_activate(p);
	if (a < 0) {
		*rc = activate_error(p, a, iface, err, errlen);
		pcap_close(p);
		return NULL;
	}
	if (a > 0)
		fprintf(stderr, "sightline: %s: warning: %s\n", iface, pcap_geterr(p));
	*rc = 0;
	return p;
}

int sl_capture_live(struct sl_engine *e, const char *iface, const struct sl_capture_config *cfg,
		    const struct sl_capture_opts *o, char *err, size_t errlen)
{
	int rc;
	pcap_t *p = open_live(iface, cfg, &rc, err, errlen);
	if (!p)
		return rc;
	rc = sl_cap_check_dlt(p, iface, err, errlen);
	if (rc == 0)
		rc = sl_cap_set_filter(p, o->bpf, iface, err, errlen);
	if (rc == 0 && o->on_open && o->on_open(o->ctx, err, errlen) != 0)
		rc = SL_CAPTURE_INPUT;
	struct cap_ctx c = { .e = e, .dlt = pcap_datalink(p), .stop = o->stop, .p = p, .o = o,
			     .live = true };
	/* Non-blocking reads and our own poll with a timeout: libpcap's
	 * blocking read can wait forever on a quiet interface (TPACKET_V3
	 * polls without a timeout and retries after EINTR), and signals,
	 * SIGHUP and periodic stats must be served without traffic. */
	char ebuf[PCAP_ERRBUF_SIZE];
	int fd = rc == 0 ? pcap_get_selectable_fd(p) : -1;
	if (rc == 0 && (fd < 0 || pcap_setnonblock(p, 1, ebuf) != 0)) {
		snprintf(err, errlen, "%s: cannot poll the capture", iface);
		rc = SL_CAPTURE_RUNTIME;
	}
	while (rc == 0 && !(o->stop && *o->stop)) {
		int got = pcap_dispatch(p, 1024, sl_cap_handler, (u_char *)&c);
		if (got == 0) {
			struct pollfd pf = { .fd = fd, .events = POLLIN };
			if (o->on_idle)
				o->on_idle(o->ctx);
			poll(&pf, 1, 200);
		}
		if (got == PCAP_ERROR) {
			snprintf(err, errlen, "%s: capture failed: %s", iface, pcap_geterr(p));
			rc = SL_CAPTURE_RUNTIME;
		}
		struct timeval now;
		struct pcap_stat ps;
		if (pcap_stats(p, &ps) == 0) /* cumulative: the periodic stats see kernel drops */
			sl_engine_stats(e)->capture_drops = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
		gettimeofday(&now, NULL);
		sl_cap_between(&c, (sl_time_us)now.tv_sec * SL_US_PER_SEC + (sl_time_us)now.tv_usec);
	}
	struct pcap_stat ps;
	if (pcap_stats(p, &ps) == 0)
		sl_engine_stats(e)->capture_drops = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
	pcap_close(p);
	return rc;
}
