/**
 * TEMPORARY (removed once src/cli/commands.ts stops calling it): shaders are static `?raw`
 * imports in each op file now, so there is nothing to preload.
 */
export async function preloadShaders(_names: readonly string[]): Promise<void> {}
export async function allShaderNames(): Promise<string[]> {
  return [];
}
