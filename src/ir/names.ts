/** Unique names for what importers and rewrites invent (values, nodes): 'x', then 'x_1', 'x_2'... */
export class UniqueNames {
  private readonly used = new Set<string>();

  /** Marks a name as taken without changing it (names the source file already uses). */
  reserve(name: string): void {
    this.used.add(name);
  }

  has(name: string): boolean {
    return this.used.has(name);
  }

  /** `base` if it is free, else `base_k` for the first free k; taken from then on. */
  fresh(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }
}
