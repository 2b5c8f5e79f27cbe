import { describe, expect, it } from 'vitest';
import { analyseCommand } from './command';
import { looksLikeCommandLine } from './command-line';

describe('analyseCommand', () => {
  it('strips sudo and finds the iptables table and listing', () => {
    const info = analyseCommand('sudo iptables -L -vn -t nat');
    expect(info).toMatchObject({ program: 'iptables', kindHint: 'iptables-list', table: 'nat', selective: false, filtered: false });
  });

  it('reads -tnat, --table=mangle and -nvL clusters', () => {
    expect(analyseCommand('iptables -L -tnat').table).toBe('nat');
    expect(analyseCommand('iptables --table=mangle --list').table).toBe('mangle');
    expect(analyseCommand('iptables -t nat -nvL').kindHint).toBe('iptables-list');
  });

  it('defaults an iptables listing to the filter table', () => {
    expect(analyseCommand('iptables -L').table).toBe('filter');
  });

  it('marks a one-chain listing as selective', () => {
    expect(analyseCommand('iptables -t nat -L KUBE-SERVICES -n').selective).toBe(true);
    expect(analyseCommand('iptables -L -n').selective).toBe(false);
  });

  it('marks output piped through a filter, but not through tee', () => {
    expect(analyseCommand('sudo conntrack -L |grep 8.8.8.8').filtered).toBe(true);
    expect(analyseCommand('iptables -L | less').filtered).toBe(true);
    expect(analyseCommand('iptables-save | tee rules.txt').filtered).toBe(false);
  });

  it('finds the kind each capture command prints', () => {
    const hints: Array<[string, string | null]> = [
      ['iptables-save', 'iptables-save'],
      ['sudo ip addr', 'ip-addr'],
      ['ip -o a', 'ip-addr'],
      ['ifconfig', 'ip-addr'],
      ['ip route show', 'ip-route'],
      ['ip r', 'ip-route'],
      ['route -n', 'route-table'],
      ['netstat -rn', 'route-table'],
      ['conntrack -L', 'conntrack'],
      ['cat /proc/net/nf_conntrack', 'conntrack'],
      ['tcpdump -ni eth0 icmp', 'tcpdump-text'],
      ['tcpdump -i eth0 -w out.pcap', null],
      ['brctl show', 'bridge'],
      ['bridge link', 'bridge'],
      ['kubectl get svc -A', 'kubectl'],
      ['kubectl describe svc nsvc', 'kubectl'],
      ['kubectl create -f x.yaml', null],
      ['kubectl get deploy', null],
      ['kubectl describe node n1', null],
      ['kubectl get deploy,rs,po', 'kubectl'],
      ['kubectl get pod/web-0 -o wide', 'kubectl'],
      ['ip route add 10.0.0.0/8 via 1.2.3.4', null],
      ['curl -I 10.0.0.1', 'probe'],
      ['curl --version', null],
      ['nc -l 8080', null],
      ['ping -c 3 10.244.1.5', 'probe'],
    ];
    for (const [line, kind] of hints) expect([line, analyseCommand(line).kindHint]).toEqual([line, kind]);
  });

  it('finds the network namespace a command runs in', () => {
    expect(analyseCommand('sudo ip netns exec demo-ns ip route').namespace).toEqual({ via: 'ip-netns', name: 'demo-ns' });
    expect(analyseCommand('nsenter -t 4242 -n iptables-save').namespace).toEqual({ via: 'nsenter', name: '4242' });
    expect(analyseCommand('nsenter --net=/proc/77/ns/net ip a').namespace).toEqual({ via: 'nsenter', name: '77' });
    expect(analyseCommand('sudo nsenter --target $PID --mount --uts --ipc --net --pid ip addr')).toMatchObject({
      namespace: { via: 'nsenter', name: '$PID' }, kindHint: 'ip-addr',
    });
    expect(analyseCommand('docker exec -it web ip route')).toMatchObject({ namespace: { via: 'docker', name: 'web' }, kindHint: 'ip-route' });
    expect(analyseCommand('kubectl exec -n kube-system pod/coredns-1 -- ip a')).toMatchObject({
      namespace: { via: 'kubectl', name: 'kube-system/coredns-1' }, kindHint: 'ip-addr', viaKubectl: true,
    });
    expect(analyseCommand('crictl exec -it 0a1b ip route').namespace).toEqual({ via: 'crictl', name: '0a1b' });
  });

  it('does not call an nsenter without --net a network namespace', () => {
    expect(analyseCommand('nsenter -t 1 -m ls').namespace).toBeNull();
  });

  it('sees the commands that open a shell', () => {
    for (const line of ['sudo ip netns exec demo-ns bash', 'sudo nsenter -t ${PID} -n bash', 'docker exec -it c1 sh',
      'kubectl exec -it $PODNAME -- /bin/sh', 'sudo -i', 'sudo su -', 'ssh nodeb', 'vagrant ssh w1', 'docker container run -it busybox',
      'sudo ip netns exec demo-ns bash  # switch to the namespace']) {
      expect([line, analyseCommand(line).entersShell]).toEqual([line, true]);
    }
    for (const line of ['bash -c "ip a"', 'docker run -d nginx', 'ip a', 'screen -S x']) {
      expect([line, analyseCommand(line).entersShell]).toEqual([line, false]);
    }
  });

  it('sees exit', () => {
    expect(analyseCommand('exit').exits).toBe(true);
    expect(analyseCommand('ip a').exits).toBe(false);
  });

  it('names the remote node of ssh, vagrant ssh and gcloud compute ssh', () => {
    expect(analyseCommand("ssh core@w1 'sudo iptables-save | grep KUBE'")).toMatchObject({ remoteNode: 'w1', kindHint: 'iptables-save', filtered: true });
    expect(analyseCommand("vagrant ssh w1 -c 'sudo iptables-save'")).toMatchObject({ remoteNode: 'w1', kindHint: 'iptables-save' });
    expect(analyseCommand('gcloud compute ssh gke-node-1 --zone us-east1-b -- sudo ip route')).toMatchObject({ remoteNode: 'gke-node-1', kindHint: 'ip-route' });
    expect(analyseCommand("gcloud compute ssh node-2 --command 'sudo conntrack -L'")).toMatchObject({ remoteNode: 'node-2', kindHint: 'conntrack' });
  });

  it('lets toolbox through to the command it runs (it shares the node namespace)', () => {
    expect(analyseCommand('sudo toolbox ip address show')).toMatchObject({ kindHint: 'ip-addr', namespace: null });
  });

  it('marks one interface, one object, filtered conntrack as selective', () => {
    expect(analyseCommand('ip a show dev docker0').selective).toBe(true);
    expect(analyseCommand('ip address show').selective).toBe(false);
    // maspi83/k8s_labs: `ip route show default` shows the default route alone, not the main table.
    expect(analyseCommand('ip route show default').selective).toBe(true);
    expect(analyseCommand('ip r s dev eth0').selective).toBe(true);
    expect(analyseCommand('ip route show table all').selective).toBe(false);
    expect(analyseCommand('ip r s t 2004').selective).toBe(false);
    expect(analyseCommand('ip -6 route').selective).toBe(false);
    expect(analyseCommand('ifconfig cni0').selective).toBe(true);
    expect(analyseCommand('kubectl get svc nsvc').selective).toBe(true);
    expect(analyseCommand('kubectl get svc -o wide').selective).toBe(false);
    expect(analyseCommand('conntrack -L -p tcp').selective).toBe(true);
  });

  it('keeps quoted pipes and $( ) inside their word', () => {
    expect(analyseCommand("iptables-save | grep 'a|b'").filtered).toBe(true);
    expect(analyseCommand('echo "$(iptables-save | grep x)"').filtered).toBe(false);
  });
});

describe('looksLikeCommandLine', () => {
  it('accepts bare commands of tutorials', () => {
    for (const line of ['iptables-save', 'sudo ip addr', 'conntrack -L', 'ip address show', './kubectl version', 'PATH=$PATH:/sbin # x',
      'sudo tcpdump -ni veth0  icmp -c 4', 'kubectl get nodes', 'exit', 'brctl show']) {
      expect([line, looksLikeCommandLine(line)]).toEqual([line, true]);
    }
  });

  it('refuses output lines that start like a command', () => {
    for (const line of ['conntrack v1.4.4 (conntrack-tools): 38 flow entries have been shown.', 'tcpdump: verbose output suppressed',
      'bridge name     bridge id               STP enabled     interfaces', 'Chain INPUT (policy ACCEPT)', '1: lo: <LOOPBACK,UP>',
      'tcp      6 51 TIME_WAIT src=10.142.0.6', 'NAME   READY   STATUS', '',
      // aks-engine#1912: a conntrack entry whose `t` the paste lost reads `cp 6 ...`.
      'cp      6 86205 ESTABLISHED src=10.244.2.6 dst=10.0.223.224 sport=33041 dport=27017 src=10.244.1.7 dst=10.244.2.6']) {
      expect([line, looksLikeCommandLine(line)]).toEqual([line, false]);
    }
  });
});

describe('analyseCommand: wrappers and aliases', () => {
  it('reads the command watch reruns, given as words or as one quoted line', () => {
    expect(analyseCommand('watch -n1 iptables -t nat -nvL')).toMatchObject({ program: 'iptables', kindHint: 'iptables-list', table: 'nat', filtered: false });
    expect(analyseCommand('watch -d -n 1 "conntrack -L | grep 10.0.0.5"')).toMatchObject({ program: 'conntrack', kindHint: 'conntrack', filtered: true });
  });

  it('reads k and oc as kubectl, global options before exec included', () => {
    expect(analyseCommand('k get svc -A')).toMatchObject({ kindHint: 'kubectl', viaKubectl: true });
    expect(analyseCommand('kubectl -n kube-system exec -it kube-proxy-x -- iptables-save')).toMatchObject({
      kindHint: 'iptables-save', namespace: { via: 'kubectl', name: 'kube-system/kube-proxy-x' },
    });
    expect(analyseCommand('oc rsh -c c1 web-0 ip route')).toMatchObject({ kindHint: 'ip-route', namespace: { via: 'kubectl', name: 'web-0' } });
  });

  it('reads a node debug pod as the node itself', () => {
    expect(analyseCommand('oc debug node/worker-1 -- chroot /host iptables-save')).toMatchObject({
      kindHint: 'iptables-save', remoteNode: 'worker-1', namespace: null, viaKubectl: false,
    });
    expect(analyseCommand('kubectl debug node/w2 -it --image=ubuntu')).toMatchObject({ remoteNode: 'w2', entersShell: true });
  });

  it('takes k, time and column for commands only with arguments that fit', () => {
    expect(looksLikeCommandLine('k get pods -o wide')).toBe(true);
    expect(looksLikeCommandLine('time iptables-save')).toBe(true);
    expect(looksLikeCommandLine('time elapsed: 5s')).toBe(false);
    expect(looksLikeCommandLine('column headers are aligned')).toBe(false);
  });
});
