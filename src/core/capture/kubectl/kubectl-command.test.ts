import { describe, expect, it } from 'vitest';
import { contextNamespaceSetBy, getCommandOf } from './kubectl-command';

const get = (line: string) => getCommandOf(line.split(' '));

describe('getCommandOf', () => {
  it('reads the resource, -A, -n and -o wide in every spelling', () => {
    expect(get('kubectl get svc -A')).toMatchObject({ resource: 'service', allNamespaces: true, namespace: null, wide: false, columnsKnown: true });
    expect(get('kubectl -n kube-system get po -owide')).toMatchObject({ resource: 'pod', namespace: 'kube-system', wide: true, columnsKnown: true });
    expect(get('oc get endpoints --namespace=shop -o=wide')).toMatchObject({ resource: 'endpoints', namespace: 'shop', wide: true });
    expect(get('k get pods -nshop --output wide --show-labels')).toMatchObject({ namespace: 'shop', wide: true, labels: true, columnsKnown: true });
    expect(get('kubectl get svc/web --context prod -l app=web --no-headers')).toMatchObject({ resource: 'service', columnsKnown: true });
  });

  it('knows a watch prints the columns of its listing, without or with the listing (`| grep` keeps its rows)', () => {
    for (const line of ['kubectl get pods -w', 'kubectl get pods -o wide --watch', 'kubectl get svc -A --watch-only']) {
      expect(get(line)?.columnsKnown).toBe(true);
    }
  });

  it('leaves the columns in doubt for other outputs, label columns, watch events and unknown flags', () => {
    for (const line of ['kubectl get pods -o yaml', 'kubectl get pods -L app', 'kubectl get pods -w --output-watch-events', 'kubectl get pods --frobnicate', 'kubectl get pods --no-headers=false']) {
      expect(get(line)?.columnsKnown).toBe(false);
    }
    expect(get('kubectl get svc,ep')?.resource).toBeNull();
    expect(get('kubectl get deploy')?.resource).toBeNull();
    expect(get('kubectl describe svc web')).toBeNull();
    expect(get('ip route')).toBeNull();
  });
});

describe('contextNamespaceSetBy', () => {
  const set = (line: string) => contextNamespaceSetBy(line.split(' '));
  it('names the namespace kubens, kubectl config set-context --current and oc project choose', () => {
    expect(set('kubens shop')).toBe('shop');
    expect(set('kubectl config set-context --current --namespace=blue')).toBe('blue');
    expect(set('kubectl config set-context --current --namespace blue')).toBe('blue');
    expect(set('oc project team-a')).toBe('team-a');
  });
  it('says unknown when the context changes to one not shown, nothing when it stays', () => {
    expect(set('kubens -')).toBeNull();
    expect(set('kubectx prod')).toBeNull();
    expect(set('kubectl config use-context prod')).toBeNull();
    expect(set('kubens')).toBeUndefined();
    expect(set('kubens -c')).toBeUndefined();
    expect(set('kubectl config set-context prod --namespace=x')).toBeUndefined();
    expect(set('kubectl get svc')).toBeUndefined();
  });
});
