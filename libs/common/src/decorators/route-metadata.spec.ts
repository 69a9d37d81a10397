import { SetMetadata } from '@nestjs/common';
import { RouteMetadata } from './route-metadata';

@SetMetadata('k', 'class')
class Base {
  @SetMetadata('k', 'handler')
  decorated(): void {}
  plain(): void {}
}

@SetMetadata('k', 'child')
class Child extends Base {}

describe('RouteMetadata', () => {
  const metadata = new RouteMetadata();
  const proto = Base.prototype;

  it('answers like Reflector: handler over class, per controller class', () => {
    expect(metadata.getAllAndOverride('k', [proto.decorated, Base])).toBe('handler');
    expect(metadata.getAllAndOverride('k', [proto.plain, Base])).toBe('class');
    // The same inherited handler under another controller reads that controller's metadata.
    expect(metadata.getAllAndOverride('k', [proto.plain, Child])).toBe('child');
    expect(metadata.getAllAndOverride('missing', [proto.plain, Base])).toBeUndefined();
  });

  it('reads each key of a route once', () => {
    const read = jest.spyOn(metadata, 'get');
    metadata.getAllAndOverride('other', [proto.plain, Base]);
    metadata.getAllAndOverride('other', [proto.plain, Base]);
    expect(read).toHaveBeenCalledTimes(2); // handler, then class; the second call is cached
    read.mockRestore();
  });
});
