// wgsl_reflect's package entry is CommonJS inside a "type": "module" package, so we import its ES
// module file directly; this gives that path the package's own type declarations.
declare module 'wgsl_reflect/wgsl_reflect.module.js' {
  export * from 'wgsl_reflect';
}
