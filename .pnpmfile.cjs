// openapi-typescript builds the client's types with TypeScript's JavaScript API, which
// TypeScript 7 (the native compiler the workspace checks with) no longer has: it gets the
// last TypeScript that does, as a dependency of its own instead of the workspace's peer.
module.exports = {
  hooks: {
    readPackage(manifest) {
      if (manifest.name === 'openapi-typescript') {
        delete manifest.peerDependencies?.typescript
        manifest.dependencies = { ...manifest.dependencies, typescript: '6.0.3' }
      }
      return manifest
    },
  },
}
