export function NoToken() {
  return (
    <main className="no-token">
      <h1>natlens</h1>
      <p>This page needs the access token of its server.</p>
      <p>
        Open the URL that <code>./bin/natlens serve</code> printed as its first line — it ends in <code>?token=…</code>.
      </p>
    </main>
  );
}
