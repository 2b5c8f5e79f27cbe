/** Every usual shape of a pasted capture, through the real registry: prompts, Markdown, pipelines, aliases. */
import { describe, expect, it } from 'vitest';
import { splitTextCapture } from './registry';

const ROUTES = 'default via 10.0.0.1 dev eth0\n10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.5';
const LISTING = [
  'Chain INPUT (policy ACCEPT 0 packets, 0 bytes)',
  ' pkts bytes target     prot opt in     out     source               destination',
  '    0     0 ACCEPT     all  --  lo     *       0.0.0.0/0            0.0.0.0/0',
].join('\n');
const SAVE = '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT';

function units(text: string) {
  const r = splitTextCapture({ file: 'p.md', text, firstLine: 1 });
  return r.units.map((u) => ({ kind: u.kind, node: u.node, lines: [u.firstLine, u.lastLine], command: u.command, partial: u.partial, ns: u.namespace?.name ?? null }));
}

describe('prompts of every usual shape', () => {
  const cases: Array<[string, string, string | null]> = [
    ['a bare root prompt on the first line', `# iptables -t filter -nvL\n${LISTING}`, null],
    ['a bare $ prompt', `$ ip route\n${ROUTES}`, null],
    ['sh-5.1#', `sh-5.1# ip route\n${ROUTES}`, null],
    ['bash-4.4$', `bash-4.4$ ip route\n${ROUTES}`, null],
    ['root@host:~#', `root@node-a:~# ip route\n${ROUTES}`, 'node-a'],
    ['[root@host ~]#', `[root@node-a ~]# ip route\n${ROUTES}`, 'node-a'],
    ['host:~ # (SUSE)', `node-a:~ # ip route\n${ROUTES}`, 'node-a'],
    ['user@host ~ % (zsh)', `me@node-a ~ % ip route\n${ROUTES}`, 'node-a'],
    ['zsh ❯', `❯ ip route\n${ROUTES}`, null],
    ['oh-my-zsh ➜', `➜  ~ ip route\n${ROUTES}`, null],
    ['oh-my-zsh ➜ in a git folder', `➜  infra git:(main) ✗ ip route\n${ROUTES}`, null],
    ['(venv) user@host', `(venv) me@node-a:~$ ip route\n${ROUTES}`, 'node-a'],
    ['(venv) $', `(venv) $ ip route\n${ROUTES}`, null],
    ['a coloured prompt', `\x1b[01;32mroot@node-a\x1b[00m:\x1b[01;34m~\x1b[00m# ip route\n${ROUTES}`, 'node-a'],
    ['no prompt at all (PS1-less paste)', `ip route\n${ROUTES}`, null],
    ['a busybox prompt in a pod', `/ # ip route\n${ROUTES}`, null],
  ];
  it.each(cases)('%s', (_name, text, node) => {
    const [unit] = units(text);
    expect(unit).toMatchObject({ node, lines: [2, text.split('\n').length] });
  });

  it('does not take the pod\'s own prompt (its hostname) after kubectl exec for a node', () => {
    const text = `me@laptop:~$ kubectl exec -it web-7c5b8d9f4-x2x9z -- bash\nroot@web-7c5b8d9f4-x2x9z:/# ip route\n${ROUTES}\nroot@web-7c5b8d9f4-x2x9z:/# exit\nme@laptop:~$ ip route\n${ROUTES}`;
    expect(units(text)).toEqual([
      expect.objectContaining({ node: null, ns: 'web-7c5b8d9f4-x2x9z', lines: [3, 4] }),
      expect.objectContaining({ node: 'laptop', ns: null, lines: [7, 8] }),
    ]);
  });

  it('reads a bare root prompt running a capture command among $ prompts, but not a # comment in printed output', () => {
    expect(units(`# iptables -t filter -nvL\n${LISTING}\n$ ip route\n${ROUTES}`)).toEqual([
      expect.objectContaining({ kind: 'iptables-list', lines: [2, 4] }),
      expect.objectContaining({ kind: 'ip-route', lines: [6, 7] }),
    ]);
    const printed = splitTextCapture({ file: 'p.md', text: `$ cat setup.sh\n# flush the nat table first\niptables -t nat -F\n$ ip route\n${ROUTES}`, firstLine: 1 });
    expect(printed.kept).toEqual([expect.objectContaining({ command: 'cat setup.sh', firstLine: 2, lastLine: 3 })]);
  });

  it('puts commands typed in a kubectl exec shell in the pod, on no node (the pod may run anywhere), and the host\'s after exit on the host', () => {
    const text = `root@node-a:~# kubectl exec -it -n kube-system nginx-abc -- sh\n/ # ip route\n${ROUTES}\n/ # exit\nroot@node-a:~# ip route\n${ROUTES}`;
    expect(units(text)).toEqual([
      expect.objectContaining({ node: null, ns: 'kube-system/nginx-abc', lines: [3, 4] }),
      expect.objectContaining({ node: 'node-a', ns: null, lines: [7, 8] }),
    ]);
  });
});

describe('Markdown of every usual shape', () => {
  it('reads ``` and ~~~ fences, with and without a language, nested in a list', () => {
    const text = `Steps:\n\n1. Routes:\n\n   \`\`\`console\n   $ ip route\n   ${ROUTES.replace('\n', '\n   ')}\n   \`\`\`\n\n~~~\n$ iptables-save\n${SAVE}\n~~~\n`;
    expect(units(text)).toEqual([
      expect.objectContaining({ kind: 'ip-route', lines: [7, 8] }),
      expect.objectContaining({ kind: 'iptables-save', lines: [13, 16] }),
    ]);
  });

  it('reads a document whose only code blocks are indented four spaces or a tab', () => {
    const text = `The routes on the node:\n\n    $ ip route\n    ${ROUTES.replace('\n', '\n    ')}\n\nand the rules:\n\n\t# iptables-save\n\t${SAVE.replace(/\n/g, '\n\t')}\n`;
    expect(units(text)).toEqual([
      expect.objectContaining({ kind: 'ip-route', lines: [4, 5] }),
      expect.objectContaining({ kind: 'iptables-save', lines: [10, 13] }),
    ]);
  });

  it('reads <details> and <pre> blocks, with the first line on the tag and HTML entities', () => {
    const text = [
      '<details><summary>ip addr</summary>', // 1
      '<pre>$ ip addr', // 2
      '2: eth0: &lt;BROADCAST,MULTICAST,UP,LOWER_UP&gt; mtu 1500 qdisc fq_codel state UP group default qlen 1000', // 3
      '    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff', // 4
      '    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0</pre>', // 5
      '</details>', // 6
      '',
      '<pre><code>', // 8
      '# iptables-save', // 9
      SAVE, // 10-13
      '</code></pre>', // 14
    ].join('\n');
    const r = splitTextCapture({ file: 'p.md', text, firstLine: 1 });
    expect(r.units.map((u) => [u.kind, u.firstLine, u.lastLine])).toEqual([['ip-addr', 3, 5], ['iptables-save', 10, 13]]);
    expect(r.units[0]!.input.text).toContain('<BROADCAST,MULTICAST,UP,LOWER_UP>');
    expect(r.units[0]!.input.text.endsWith('scope global eth0')).toBe(true);
    expect(r.warnings).toEqual([]);
  });

  it('reads pastes quoted with > and > >, but leaves a shell continuation prompt alone', () => {
    const text = `On Monday someone wrote:\n> $ ip route\n> ${ROUTES.replace('\n', '\n> ')}\n\n> > $ sudo iptables-save\n> > ${SAVE.replace(/\n/g, '\n> > ')}\n`;
    expect(units(text)).toEqual([
      expect.objectContaining({ kind: 'ip-route', lines: [3, 4] }),
      expect.objectContaining({ kind: 'iptables-save', lines: [7, 10] }),
    ]);
    const continued = "root@n:~# ssh nodeb 'sudo \n> iptables-save'\n*filter\nCOMMIT";
    expect(units(continued)).toEqual([expect.objectContaining({ node: 'nodeb', command: "ssh nodeb 'sudo iptables-save'" })]);
  });
});

describe('pipelines, wrappers and aliases', () => {
  it.each(['grep', 'egrep', 'head', 'tail', 'less', 'more', 'column -t', 'sort'])('marks output piped through | %s partial but reads it', (filter) => {
    expect(units(`$ ip route | ${filter}\n${ROUTES}`)).toEqual([expect.objectContaining({ kind: 'ip-route', partial: true })]);
  });

  it.each([
    ['sudo ip route', 'ip-route'],
    ['sudo -E ip route', 'ip-route'],
    ['time ip route', 'ip-route'],
    ['env LANG=C ip route', 'ip-route'],
    ['LANG=C ip route', 'ip-route'],
  ])('reads through the wrapper in `%s`', (command, kind) => {
    expect(units(`$ ${command}\n${ROUTES}`)).toEqual([expect.objectContaining({ kind, partial: false, command })]);
  });

  it('reads a command typed without a prompt among prompted ones, and keeps the sentence between them as text', () => {
    const text = [
      'kubectl exec -n kube-system flannel-x -it -- sh', // 1
      '/ # ip route', // 2
      ROUTES, // 3-4
      '', // 5
      'and the routes of the host machine are', // 6
      'ip route', // 7
      'default via 192.168.1.1 dev ens3', // 8
    ].join('\n');
    const r = splitTextCapture({ file: 'p.md', text, firstLine: 1 });
    expect(r.units.map((u) => [u.kind, u.firstLine, u.lastLine, u.command])).toEqual([['ip-route', 3, 4, 'ip route'], ['ip-route', 8, 8, 'ip route']]);
    expect(r.units[0]!.namespace).toEqual({ via: 'kubectl', name: 'kube-system/flannel-x' });
    expect(r.kept).toEqual([expect.objectContaining({ firstLine: 6, lastLine: 6, reason: 'prose after the output of the command' })]);
  });

  it('reads the output below sudo\'s password prompt', () => {
    expect(units(`\`\`\`\nsudo iptables-save\n[sudo] password for ubuntu: \n${SAVE}\n\`\`\``)).toEqual([expect.objectContaining({ kind: 'iptables-save', lines: [4, 7] })]);
  });

  it('reads watch output without its header line, as an excerpt (watch shows what fits the screen)', () => {
    const text = `$ watch -n1 iptables -t filter -nvL\nEvery 1.0s: iptables -t filter -nvL        node-a: Mon Nov 23 10:00:00 2026\n\n${LISTING}`;
    expect(units(text)).toEqual([expect.objectContaining({ kind: 'iptables-list', lines: [4, 6], partial: true })]);
    expect(units(`$ watch 'ip route | grep eth0'\n${ROUTES}`)).toEqual([expect.objectContaining({ kind: 'ip-route', partial: true })]);
  });

  it('reads k as kubectl, kubectl -n NS exec, oc exec and oc rsh as commands run in a pod', () => {
    expect(units(`$ k exec -it web-0 -- ip route\n${ROUTES}`)).toEqual([expect.objectContaining({ kind: 'ip-route', node: null, ns: 'web-0' })]);
    expect(units(`$ kubectl -n prod exec web-0 -- ip route\n${ROUTES}`)).toEqual([expect.objectContaining({ ns: 'prod/web-0' })]);
    expect(units(`$ oc exec web-0 -- ip route\n${ROUTES}`)).toEqual([expect.objectContaining({ ns: 'web-0' })]);
    expect(units(`$ oc rsh web-0 ip route\n${ROUTES}`)).toEqual([expect.objectContaining({ ns: 'web-0' })]);
    const svc = 'NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\nkubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   5d';
    expect(units(`$ k get svc\n${svc}`)).toEqual([expect.objectContaining({ kind: 'kubectl', node: null })]);
  });

  it('puts the output of a node debug pod on that node', () => {
    expect(units(`$ oc debug node/worker-1 -- chroot /host ip route\n${ROUTES}`)).toEqual([expect.objectContaining({ kind: 'ip-route', node: 'worker-1', ns: null })]);
    const shell = `$ kubectl debug node/worker-2 -it --image=busybox\n/ # ip route\n${ROUTES}`;
    expect(units(shell)).toEqual([expect.objectContaining({ kind: 'ip-route', node: 'worker-2', ns: null })]);
  });

  it('does not take ipt for an alias of iptables: its output is kept as text (and warned about on import)', () => {
    const r = splitTextCapture({ file: 'p.md', text: `$ ipt -nvL\n${LISTING}`, firstLine: 1 });
    expect(r.units).toEqual([]);
    expect(r.kept).toEqual([expect.objectContaining({ command: 'ipt -nvL', firstLine: 2, lastLine: 4 })]);
  });
});
