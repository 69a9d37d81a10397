import { Injectable } from '@nestjs/common';
import { BlocksService } from '@app/blocks';
import type { TextInputDto } from './dto/text-input.dto';
import { MAX_TEXT_LENGTH } from './ml-limits';
import { MlErrorCode, MlException } from './ml.exception';

/** HTML tags of a block of type html: bounded, so the match stays linear. */
const TAG = /<[^<>]{0,2000}>/g;

export interface SourceText {
  text: string;
  /** The block read, when the input named one. */
  block?: { id: string; tags: string[] };
}

/**
 * The text a request means: its own `text` (over the limit: 413 naming it), or the title and
 * content of one of the tenant's blocks (another tenant's is the blocks module's 404). A block
 * is read up to the limit: it is stored content, not a request the client could shorten.
 */
@Injectable()
export class TextSource {
  constructor(private readonly blocks: BlocksService) {}

  async resolve(input: TextInputDto): Promise<SourceText> {
    if ((input.text === undefined) === (input.blockId === undefined)) {
      throw new MlException(MlErrorCode.INPUT_REQUIRED);
    }
    if (input.text !== undefined) {
      if (input.text.length > MAX_TEXT_LENGTH) throw new MlException(MlErrorCode.TEXT_TOO_LARGE);
      return { text: input.text };
    }
    const block = await this.blocks.get(input.blockId!);
    const content = String(block.type) === 'html' ? block.content.replace(TAG, ' ') : block.content;
    return {
      text: `${block.title}.\n${content}`.slice(0, MAX_TEXT_LENGTH),
      block: { id: block.id, tags: block.tags },
    };
  }
}
