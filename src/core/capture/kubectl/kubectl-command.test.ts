import { describe, expect, it } from 'vitest';
import { getCommandOf } from './kubectl-command';

const get = (line: string) => getCommandOf(line.split(' '));

describe('getCommandOf', () => {
  it('reads the resource, -A, -n and -o wide in every spelling', () => {
    expect(get('kubectl get svc -A')).toMatchObject({ resource: 'service', allNamespaces: true, namespace: null, wide: false, columnsKnown: true });
    expect(get('kubectl -n kube-system get po -owide')).toMatchObject({ resource: 'pod', namespace: 'kube-system', wide: true, columnsKnown: true });
    expect(get('oc get endpoints --namespace=shop -o=wide')).toMatchObject({ resource: 'endpoints', namespace: 'shop', wide: true });
    expect(get('k get pods -nshop --output wide --show-labels')).toMatchObject({ namespace: 'shop', wide: true, labels: true, columnsKnown: true });
    expect(get('kubectl get svc/web --context prod -l app=web --no-headers')).toMatchObject({ resource: 'service', columnsKnown: true });
  });

  it('leaves the columns in doubt for other outputs, label columns, watch and unknown flags', () => {
    for (const line of ['kubectl get pods -o yaml', 'kubectl get pods -L app', 'kubectl get pods -w', 'kubectl get pods --frobnicate', 'kubectl get pods --no-headers=false']) {
      expect(get(line)?.columnsKnown).toBe(false);
    }
    expect(get('kubectl get svc,ep')?.resource).toBeNull();
    expect(get('kubectl get deploy')?.resource).toBeNull();
    expect(get('kubectl describe svc web')).toBeNull();
    expect(get('ip route')).toBeNull();
  });
});
