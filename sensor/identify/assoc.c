/* Association of WebRTC media with Chrome Remote Desktop: Google's Chrome
 * Enterprise network list names the signalling hosts
 * (remotedesktop-pa.googleapis.com, instantmessaging-pa.googleapis.com);
 * the session itself is WebRTC (ICE/STUN, RFC 8445; DTLS-SRTP, RFC 5764)
 * between the same host and a peer or relay.  STUN and DTLS alone are any
 * video call, so only a preceding CRD name from the same host ties them to
 * remote access.  The hosts that named it are the hosts table's
 * (sl_hosts_signalled()). */
#include <string.h>

#include "identify_priv.h"
#include "sightline/proto.h"

static bool webrtc(const struct sl_flow *f)
{
	const struct sl_proto *p = f->app_proto ? sl_proto_at(f->app_proto - 1u) : NULL;
	return p && (strcmp(p->name, "stun") == 0 || strcmp(p->name, "dtls") == 0);
}

/* A Chrome Remote Desktop flow named by DNS, SNI, certificate or wire marks
 * its client until seen_until; a STUN or DTLS flow of a marked host (either
 * end) that starts within the window gets app chrome-remote-desktop. */
void sl_identify_assoc(struct sl_hosts *hosts, struct sl_flow *f, sl_time_us seen_until)
{
	const char *app, *cat;
	enum sl_app_source src;
	bool has = sl_app_product(f, &app, &cat, &src);
	if (has && src >= SL_SRC_DNS && strcmp(app, "chrome-remote-desktop") == 0) {
		struct sl_host_fact fact = { .kind = SL_HOST_SIGNALLING,
					     .signalling = { f->cli, f->first, seen_until } };
		sl_hosts_learn(hosts, &fact);
		return;
	}
	if ((!has || src < SL_SRC_ASSOCIATION) && webrtc(f) &&
	    (sl_hosts_signalled(hosts, &f->cli, f->first) ||
	     sl_hosts_signalled(hosts, &f->srv, f->first)))
		sl_app_set_product(f, "chrome-remote-desktop", "remote-access", SL_SRC_ASSOCIATION);
}
